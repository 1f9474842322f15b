// GENERATED FILE - do not edit by hand.
// Built from lib/chain/AivmRegistry.sol by scripts/compile-contract.mjs
// (solc standard JSON: optimizer runs 200, viaIR, evmVersion paris, no metadata hash).
// Regenerate with `npm run build:contract`; `node scripts/compile-contract.mjs --check` verifies it.

export const SOLC_VERSION = '0.8.37+commit.f401782d.Emscripten.clang';

/** keccak256 of the exact bytes of AivmRegistry.sol this artifact was built from. */
export const REGISTRY_SOURCE_DIGEST = '0xe126a1feff587afa1b35f2b4248ea13d8b425fa42e0effb12893ff1d2af7f585';

export const REGISTRY_ABI = [
  {
    inputs: [],
    stateMutability: 'nonpayable',
    type: 'constructor'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        internalType: 'address',
        name: 'node',
        type: 'address'
      }
    ],
    name: 'AlreadyCommitted',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      }
    ],
    name: 'AlreadyFinalized',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        internalType: 'address',
        name: 'node',
        type: 'address'
      }
    ],
    name: 'AlreadyRevealed',
    type: 'error'
  },
  {
    inputs: [],
    name: 'BadCommitment',
    type: 'error'
  },
  {
    inputs: [],
    name: 'BadKernel',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'uint16',
        name: 'quorum',
        type: 'uint16'
      },
      {
        internalType: 'uint16',
        name: 'maxNodes',
        type: 'uint16'
      }
    ],
    name: 'BadQuorum',
    type: 'error'
  },
  {
    inputs: [],
    name: 'BadWindow',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      }
    ],
    name: 'CommitClosed',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        internalType: 'address',
        name: 'node',
        type: 'address'
      }
    ],
    name: 'CommitmentMismatch',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'expected',
        type: 'bytes32'
      },
      {
        internalType: 'bytes32',
        name: 'actual',
        type: 'bytes32'
      }
    ],
    name: 'InputHashMismatch',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'uint256',
        name: 'size',
        type: 'uint256'
      },
      {
        internalType: 'uint256',
        name: 'max',
        type: 'uint256'
      }
    ],
    name: 'InputTooLarge',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'kernelId',
        type: 'bytes32'
      }
    ],
    name: 'KernelExists',
    type: 'error'
  },
  {
    inputs: [],
    name: 'NoInput',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        internalType: 'bytes32',
        name: 'outputHash',
        type: 'bytes32'
      },
      {
        internalType: 'uint16',
        name: 'votes',
        type: 'uint16'
      },
      {
        internalType: 'uint16',
        name: 'quorum',
        type: 'uint16'
      }
    ],
    name: 'NoQuorum',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'address',
        name: 'node',
        type: 'address'
      }
    ],
    name: 'NotAdmitted',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        internalType: 'address',
        name: 'node',
        type: 'address'
      }
    ],
    name: 'NotCommitted',
    type: 'error'
  },
  {
    inputs: [],
    name: 'NotOwner',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      }
    ],
    name: 'NotReady',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      }
    ],
    name: 'RevealClosed',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      }
    ],
    name: 'RevealNotOpen',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'kernelId',
        type: 'bytes32'
      }
    ],
    name: 'UnknownKernel',
    type: 'error'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      }
    ],
    name: 'UnknownRequest',
    type: 'error'
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        indexed: true,
        internalType: 'address',
        name: 'node',
        type: 'address'
      },
      {
        indexed: false,
        internalType: 'bytes32',
        name: 'commitment',
        type: 'bytes32'
      }
    ],
    name: 'Committed',
    type: 'event'
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        indexed: false,
        internalType: 'bytes32',
        name: 'outputHash',
        type: 'bytes32'
      },
      {
        indexed: false,
        internalType: 'uint16',
        name: 'agree',
        type: 'uint16'
      },
      {
        indexed: false,
        internalType: 'address[]',
        name: 'dissenters',
        type: 'address[]'
      }
    ],
    name: 'Finalized',
    type: 'event'
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        indexed: true,
        internalType: 'bytes32',
        name: 'kernelId',
        type: 'bytes32'
      },
      {
        indexed: false,
        internalType: 'address',
        name: 'requester',
        type: 'address'
      },
      {
        indexed: false,
        internalType: 'bytes32',
        name: 'inputHash',
        type: 'bytes32'
      },
      {
        indexed: false,
        internalType: 'bytes',
        name: 'input',
        type: 'bytes'
      },
      {
        indexed: false,
        internalType: 'string',
        name: 'inputUri',
        type: 'string'
      },
      {
        indexed: false,
        internalType: 'uint16',
        name: 'quorum',
        type: 'uint16'
      },
      {
        indexed: false,
        internalType: 'uint16',
        name: 'maxNodes',
        type: 'uint16'
      },
      {
        indexed: false,
        internalType: 'uint64',
        name: 'commitDeadline',
        type: 'uint64'
      },
      {
        indexed: false,
        internalType: 'uint64',
        name: 'revealDeadline',
        type: 'uint64'
      }
    ],
    name: 'InferenceRequested',
    type: 'event'
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'bytes32',
        name: 'kernelId',
        type: 'bytes32'
      },
      {
        indexed: false,
        internalType: 'bytes32',
        name: 'manifestDigest',
        type: 'bytes32'
      },
      {
        indexed: false,
        internalType: 'string',
        name: 'uri',
        type: 'string'
      },
      {
        indexed: true,
        internalType: 'address',
        name: 'publisher',
        type: 'address'
      }
    ],
    name: 'KernelRegistered',
    type: 'event'
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'address',
        name: 'node',
        type: 'address'
      },
      {
        indexed: false,
        internalType: 'bool',
        name: 'admitted',
        type: 'bool'
      }
    ],
    name: 'NodeAdmitted',
    type: 'event'
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        indexed: true,
        internalType: 'address',
        name: 'node',
        type: 'address'
      },
      {
        indexed: false,
        internalType: 'bytes32',
        name: 'outputHash',
        type: 'bytes32'
      }
    ],
    name: 'Revealed',
    type: 'event'
  },
  {
    inputs: [],
    name: 'MAX_INPUT_BYTES',
    outputs: [
      {
        internalType: 'uint256',
        name: '',
        type: 'uint256'
      }
    ],
    stateMutability: 'view',
    type: 'function'
  },
  {
    inputs: [],
    name: 'MAX_NODES',
    outputs: [
      {
        internalType: 'uint16',
        name: '',
        type: 'uint16'
      }
    ],
    stateMutability: 'view',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'address',
        name: '',
        type: 'address'
      }
    ],
    name: 'admitted',
    outputs: [
      {
        internalType: 'bool',
        name: '',
        type: 'bool'
      }
    ],
    stateMutability: 'view',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        internalType: 'bytes32',
        name: 'commitment',
        type: 'bytes32'
      }
    ],
    name: 'commit',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        internalType: 'address',
        name: 'node',
        type: 'address'
      }
    ],
    name: 'commitOf',
    outputs: [
      {
        internalType: 'bytes32',
        name: 'commitment',
        type: 'bytes32'
      },
      {
        internalType: 'bool',
        name: 'revealed',
        type: 'bool'
      },
      {
        internalType: 'bytes32',
        name: 'outputHash',
        type: 'bytes32'
      }
    ],
    stateMutability: 'view',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        internalType: 'address',
        name: 'node',
        type: 'address'
      },
      {
        internalType: 'bytes32',
        name: 'outputHash',
        type: 'bytes32'
      },
      {
        internalType: 'bytes32',
        name: 'salt',
        type: 'bytes32'
      }
    ],
    name: 'commitmentFor',
    outputs: [
      {
        internalType: 'bytes32',
        name: '',
        type: 'bytes32'
      }
    ],
    stateMutability: 'pure',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        internalType: 'bytes32',
        name: 'outputHash',
        type: 'bytes32'
      }
    ],
    name: 'finalize',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'kernelId',
        type: 'bytes32'
      },
      {
        internalType: 'uint256',
        name: 'index',
        type: 'uint256'
      }
    ],
    name: 'kernelAt',
    outputs: [
      {
        internalType: 'bytes32',
        name: 'manifestDigest',
        type: 'bytes32'
      },
      {
        internalType: 'address',
        name: 'publisher',
        type: 'address'
      },
      {
        internalType: 'string',
        name: 'uri',
        type: 'string'
      }
    ],
    stateMutability: 'view',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'kernelId',
        type: 'bytes32'
      }
    ],
    name: 'kernelCount',
    outputs: [
      {
        internalType: 'uint256',
        name: '',
        type: 'uint256'
      }
    ],
    stateMutability: 'view',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'kernelId',
        type: 'bytes32'
      }
    ],
    name: 'kernelOf',
    outputs: [
      {
        internalType: 'bytes32',
        name: 'manifestDigest',
        type: 'bytes32'
      },
      {
        internalType: 'address',
        name: 'publisher',
        type: 'address'
      },
      {
        internalType: 'string',
        name: 'uri',
        type: 'string'
      }
    ],
    stateMutability: 'view',
    type: 'function'
  },
  {
    inputs: [],
    name: 'owner',
    outputs: [
      {
        internalType: 'address',
        name: '',
        type: 'address'
      }
    ],
    stateMutability: 'view',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'kernelId',
        type: 'bytes32'
      },
      {
        internalType: 'bytes32',
        name: 'manifestDigest',
        type: 'bytes32'
      },
      {
        internalType: 'string',
        name: 'uri',
        type: 'string'
      }
    ],
    name: 'registerKernel',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function'
  },
  {
    inputs: [],
    name: 'requestCount',
    outputs: [
      {
        internalType: 'uint256',
        name: '',
        type: 'uint256'
      }
    ],
    stateMutability: 'view',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'kernelId',
        type: 'bytes32'
      },
      {
        internalType: 'bytes32',
        name: 'inputHash',
        type: 'bytes32'
      },
      {
        internalType: 'bytes',
        name: 'input',
        type: 'bytes'
      },
      {
        internalType: 'string',
        name: 'inputUri',
        type: 'string'
      },
      {
        internalType: 'uint16',
        name: 'quorum',
        type: 'uint16'
      },
      {
        internalType: 'uint16',
        name: 'maxNodes',
        type: 'uint16'
      },
      {
        internalType: 'uint64',
        name: 'commitSeconds',
        type: 'uint64'
      },
      {
        internalType: 'uint64',
        name: 'revealSeconds',
        type: 'uint64'
      }
    ],
    name: 'requestInference',
    outputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      }
    ],
    stateMutability: 'nonpayable',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      }
    ],
    name: 'requestOf',
    outputs: [
      {
        internalType: 'bytes32',
        name: 'kernelId',
        type: 'bytes32'
      },
      {
        internalType: 'bytes32',
        name: 'inputHash',
        type: 'bytes32'
      },
      {
        internalType: 'address',
        name: 'requester',
        type: 'address'
      },
      {
        internalType: 'uint16',
        name: 'quorum',
        type: 'uint16'
      },
      {
        internalType: 'uint16',
        name: 'maxNodes',
        type: 'uint16'
      },
      {
        internalType: 'uint64',
        name: 'commitDeadline',
        type: 'uint64'
      },
      {
        internalType: 'uint64',
        name: 'revealDeadline',
        type: 'uint64'
      },
      {
        internalType: 'uint16',
        name: 'commits',
        type: 'uint16'
      },
      {
        internalType: 'uint16',
        name: 'reveals',
        type: 'uint16'
      },
      {
        internalType: 'bool',
        name: 'finalized',
        type: 'bool'
      },
      {
        internalType: 'bytes32',
        name: 'outputHash',
        type: 'bytes32'
      }
    ],
    stateMutability: 'view',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'bytes32',
        name: 'requestId',
        type: 'bytes32'
      },
      {
        internalType: 'bytes32',
        name: 'outputHash',
        type: 'bytes32'
      },
      {
        internalType: 'bytes32',
        name: 'salt',
        type: 'bytes32'
      }
    ],
    name: 'reveal',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function'
  },
  {
    inputs: [
      {
        internalType: 'address',
        name: 'node',
        type: 'address'
      },
      {
        internalType: 'bool',
        name: 'isAdmitted',
        type: 'bool'
      }
    ],
    name: 'setAdmitted',
    outputs: [],
    stateMutability: 'nonpayable',
    type: 'function'
  }
] as const;

export const REGISTRY_BYTECODE = '0x60a080604052346029573360805261154f908161002f823960805181818161084b0152610d030152f35b600080fdfe608080604052600436101561001357600080fd5b60003560e01c90816220d93914611135575080631f112880146111075780631f55699c146110db5780632b80edaa14610d505780635badbe4c14610d325780638da5cb5b14610ced5780638f16e1cd14610cd2578063a99aa99414610bdd578063afb381ee146108da578063b4cfcecb14610822578063c65ff8f214610565578063e3ce094d146103e2578063eacb14081461032a578063eba00090146102f4578063f2ec5e5a146102d7578063f569fbd1146101405763f6c6068a146100d957600080fd5b3461013b57604036600319011261013b57606060406100f6611186565b60043560005260056020528160002060009160018060a01b0316825260205220805490600260ff60018301541691015490604051928352151560208301526040820152f35b600080fd5b3461013b57606036600319011261013b57602435600435610160816114d5565b6000828152600560209081526040808320338452909152902080549182156102be57600182019081549060ff82166102a55761019b81611511565b1561029057600301936001600160401b03855416421161027b576101c3604435883389611490565b036102625760ff19166001179055600201839055805461ffff60501b6101f0605083901c61ffff1661147c565b60501b169061ffff60501b19161790558060005260076020526040600020826000526020526040600020805461ffff61022a81831661147c565b169061ffff19161790556040519182527fb389f4c76a55484f7e090e125d3c16bf2928b16148df9eff53524462bda7a10960203393a3005b84632417300360e21b6000526004523360245260446000fd5b856371233bd360e01b60005260045260246000fd5b85634ecc789560e11b60005260045260246000fd5b856333aa3a9160e21b6000526004523360245260446000fd5b836370a6d9e560e11b6000526004523360245260446000fd5b3461013b57600036600319011261013b5760206040516140008152f35b3461013b57608036600319011261013b576020610322610312611186565b6064359060443590600435611490565b604051908152f35b3461013b57602036600319011261013b576004356000526004602052610160604060002080549060ff60018201549160028101546004600383015492015493604051958652602086015260018060a01b038116604086015261ffff8160a01c16606086015261ffff8160b01c16608086015260c01c60a08501526001600160401b03811660c085015261ffff8160401c1660e085015261ffff8160501c1661010085015260601c161515610120830152610140820152f35b3461013b576103f036611226565b906103fa816114d5565b33600052600160205260ff604060002054161561055057821561053f5760008281526005602090815260408083203384529091529020546105265761043e81611511565b61051157600082815260056020908152604080832033845282528083208690558483526006909152902080549190600160401b8310156104fb578261048a916001600395018155611464565b81546001600160a01b0391851b91821b19163390911b17905501805461ffff60401b6104bd604083901c61ffff1661147c565b60401b169061ffff60401b19161790556040519182527fef653a9608e4d816ce91da70712413a9d5c5bb473d42eb5b536babad2a41238e60203393a3005b634e487b7160e01b600052604160045260246000fd5b50630556dbc160e11b60005260045260246000fd5b506341c2876360e11b6000526004523360245260446000fd5b63c38b437f60e01b60005260046000fd5b63f9eb745360e01b6000523360045260246000fd5b3461013b5761057336611226565b61057c826114d5565b90600382019081549260ff8460601c1661080d5761059981611511565b1580156107e2575b6107cd5784600052600760205260406000208260005260205261ffff604060002054169361ffff600283015460a01c168086106107a357508291600491600160601b9060ff60601b19161780955501558360005260066020528261ffff60406000209360401c160361ffff811161078d5761ffff166106386106228261144d565b91610630604051938461123c565b80835261144d565b602082019390601f1901368537600080918054925b8381106106cb575050505060405193606085019285526020850152606060408501525180915260808301919060005b8181106106ac57857fdf6d795de66933faa337253bab3f1631c435ce51ad9728612a63916a0f401b8586860387a2005b82516001600160a01b031684526020938401939092019160010161067c565b8860005260056020526040806000206106e48385611464565b905460039190911b1c6001600160a01b0316600090815260209190915220600181015460ff1615908790821561077e575b5050610724575b60010161064d565b9161072f8383611464565b905460039190911b1c6001600160a01b03169261074b826113a7565b93865183101561076857602060019360051b88010152905061071c565b634e487b7160e01b600052603260045260246000fd5b6002015414159050868b610715565b634e487b7160e01b600052601160045260246000fd5b86608491878660405193632739152760e11b85526004850152602484015260448301526064820152fd5b846308feb56760e01b60005260045260246000fd5b5061ffff8460401c1661ffff8560501c161080156105a157506001600160401b0384164211156105a1565b84632682a85960e11b60005260045260246000fd5b3461013b57604036600319011261013b5761083b611170565b6024359081151580920361013b577f00000000000000000000000000000000000000000000000000000000000000006001600160a01b031633036108c95760207f446ac1e3ba10ed320b1cb6a01f8ad1a3564c67a0c29353be729b51585fe8f9f49160018060a01b0316928360005260018252604060002060ff1981541660ff8316179055604051908152a2005b6330cd747160e01b60005260046000fd5b3461013b57606036600319011261013b576024356004356044356001600160401b03811161013b576109109036906004016111f9565b919081158015610bd5575b8015610bcd575b610bbc57600082815260036020908152604080832033845290915290205460ff16610ba757816000526003602052604060002060018060a01b0333166000526020526040600020600160ff19825416179055816000526002602052604060002093604051606081018181106001600160401b038211176104fb57604052818152602081013381526109b4368786611361565b96604083019788528054600160401b8110156104fb576109d9916001820181556113f7565b919091610b91579151815590516001820180546001600160a01b0319166001600160a01b0392909216919091179055945180519095600201906001600160401b0381116104fb57610a2a8254611413565b601f8111610b3b575b506020601f8211600114610ab25781907f5e6f1278404ba47fbf985c27b8ac8f0ceea3842b5a39d96202ce2fa67c53975c969798600092610aa7575b50508160011b916000199060031b1c19161790555b610aa2604051928392835260406020840152339660408401916113d6565b0390a3005b015190508880610a6f565b601f1982169783600052816000209860005b818110610b235750917f5e6f1278404ba47fbf985c27b8ac8f0ceea3842b5a39d96202ce2fa67c53975c97989991846001959410610b0a575b505050811b019055610a84565b015160001960f88460031b161c19169055888080610afd565b838301518b556001909a019960209384019301610ac4565b81811115610a3357826000526020600020601f830160051c9060208410610b88575b81601f9101920160051c039060005b828110610b7a575050610a33565b600082820155600101610b6c565b60009150610b5d565b634e487b7160e01b600052600060045260246000fd5b5063ad60135560e01b60005260045260246000fd5b631a01280960e11b60005260046000fd5b508215610922565b50831561091b565b3461013b57604036600319011261013b576004356000526002602052610c0960243560406000206113f7565b508054600260018060a01b03600184015416920160405190600090805490610c3082611413565b8085529160018116908115610cab5750600114610c6a575b505090610c5a81610c6693038261123c565b6040519384938461119c565b0390f35b600090815260208120939250905b808210610c9157509091508101602001610c5a82610c48565b919260018160209254838588010152019101909291610c78565b60ff191660208087019190915292151560051b85019092019250610c5a9150839050610c48565b3461013b57600036600319011261013b576020604051818152f35b3461013b57600036600319011261013b576040517f00000000000000000000000000000000000000000000000000000000000000006001600160a01b03168152602090f35b3461013b57600036600319011261013b576020600054604051908152f35b3461013b5761010036600319011261013b576024356004356044356001600160401b03811161013b57610d879036906004016111f9565b6064939193356001600160401b03811161013b57610da99036906004016111f9565b9290946084359561ffff87169182880361013b5760a4359161ffff83169081840361013b5760c435976001600160401b03891693848a0361013b5760e435946001600160401b03861680870361013b578c6000526002602052604060002054156110c6578a1580806110be575b80156110b6575b6110a5576140008c1161108a57158061106f575b6110445788158e811561103a575b811561102f575b8115611011575b50610ff8578115918215610fef575b8215610fe2575b508115610fd5575b50610fc457600054610e7c906113a7565b806000556040516020810191468352306040830152606082015260608152610ea560808261123c565b5190209b8c9a610ebe906001600160401b0342166113b6565b95610ec990876113b6565b60008c8152600460209081526040918290208f8155600181018d905560b09a909a1b61ffff60b01b1660a09490941b61ffff60a01b16339081179490941760c08a901b6001600160c01b0319161760028b01556003909901805467ffffffffffffffff19166001600160401b03909316928317905580519283529782019990995261010096810187905298899896610f6592908a0191906113d6565b908782036060890152610f77926113d6565b93608086015260a08501526001600160401b031660c084015260e0830152037faf193270109f45782afbccecdf653530d4aa4bf99c291f7a8b955dfd11f5dac791a3604051908152602090f35b632a0c9bb560e11b60005260046000fd5b62278d009150118d610e6b565b62278d001091508e610e63565b81159250610e5c565b8589634383017360e01b60005260045260245260446000fd5b61ffff168a03905061078d57856201fffe8f60011b1611158e610e4d565b602088119150610e46565b878b119150610e3f565b89611050368d86611361565b60208151910120906352faaeb760e11b60005260045260245260446000fd5b508961107c368d86611361565b602081519101201415610e31565b8b630693c11960e21b60005260045261400060245260446000fd5b636e2a2e3160e11b60005260046000fd5b508a15610e1d565b508415610e16565b8c630d8531d160e31b60005260045260246000fd5b3461013b57602036600319011261013b5760043560005260026020526020604060002054604051908152f35b3461013b57602036600319011261013b57610c6661112660043561125d565b6040939193519384938461119c565b3461013b57602036600319011261013b576020906001600160a01b03611159611170565b166000526001825260ff6040600020541615158152f35b600435906001600160a01b038216820361013b57565b602435906001600160a01b038216820361013b57565b9190939293825260018060a01b0316602082015260606040820152825180606083015260005b8181106111e3575060809293506000838284010152601f8019910116010190565b80602080928701015160808286010152016111c2565b9181601f8401121561013b578235916001600160401b03831161013b576020838186019501011161013b57565b604090600319011261013b576004359060243590565b90601f801991011681019081106001600160401b038211176104fb57604052565b80600052600260205260406000205415611345576112889060009081526002602052604081206113f7565b5090815490600260018060a01b03600185015416930191604051928360008254926112b284611413565b808452936001811690811561132357506001146112dc575b506112d79250038461123c565b929190565b90506000929192526020600020906000915b8183106113075750509060206112d792820101386112ca565b6020919350806001915483858a010152019101909185926112ee565b9050602092506112d794915060ff191682840152151560051b820101386112ca565b5060009060009060405161135a60208261123c565b6000815290565b9291926001600160401b0382116104fb576040519161138a601f8201601f19166020018461123c565b82948184528183011161013b578281602093846000960137010152565b600019811461078d5760010190565b906001600160401b03809116911601906001600160401b03821161078d57565b908060209392818452848401376000828201840152601f01601f1916010190565b8054821015610768576000526003602060002091020190600090565b90600182811c92168015611443575b602083101461142d57565b634e487b7160e01b600052602260045260246000fd5b91607f1691611422565b6001600160401b0381116104fb5760051b60200190565b80548210156107685760005260206000200190600090565b61ffff60019116019061ffff821161078d57565b92909160405192602084019485526bffffffffffffffffffffffff199060601b16604084015260548301526074820152607481526114cf60948261123c565b51902090565b60008181526004602052604090206002810154909291906001600160a01b0316156114fd5750565b637bbe34c960e01b60005260045260246000fd5b60028101548060c01c421191821561152857505090565b61ffff91925060038291015460401c169160b01c1611159056fea164736f6c6343000825000a';
