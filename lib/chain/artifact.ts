// GENERATED FILE - do not edit by hand.
// Built from lib/chain/AivmRegistry.sol by scripts/compile-contract.mjs
// (solc standard JSON: optimizer runs 200, viaIR, evmVersion paris, no metadata hash).
// Regenerate with `npm run build:contract`; `node scripts/compile-contract.mjs --check` verifies it.

export const SOLC_VERSION = '0.8.37+commit.f401782d.Emscripten.clang';

/** keccak256 of the exact bytes of AivmRegistry.sol this artifact was built from. */
export const REGISTRY_SOURCE_DIGEST = '0xc284e4080f8372ceeddbae2f694108fa36775bb5da6feadfeaad66d4266a16bd';

export const REGISTRY_ABI = [
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
  }
] as const;

export const REGISTRY_BYTECODE = '0x6080806040523460155761115f908161001b8239f35b600080fdfe608080604052600436101561001357600080fd5b60003560e01c9081631f11288014610dea575080632b80edaa14610a315780635badbe4c14610a135780638f16e1cd146109f8578063afb381ee146107c5578063c65ff8f214610508578063e3ce094d146103ac578063eacb1408146102f4578063eba00090146102be578063f2ec5e5a146102a1578063f569fbd11461010a5763f6c6068a146100a357600080fd5b3461010557604036600319011261010557606060406100c0610f59565b60043560005260036020528160002060009160018060a01b0316825260205220805490600260ff60018301541691015490604051928352151560208301526040820152f35b600080fd5b346101055760603660031901126101055760243560043561012a816110e8565b60008281526003602090815260408083203384529091529020805491821561028857600182019081549060ff821661026f5761016581611121565b1561025a57600301936001600160401b0385541642116102455761018d6044358833896110a3565b0361022c5760ff19166001179055600201839055805461ffff60501b6101ba605083901c61ffff1661108f565b60501b169061ffff60501b19161790558060005260056020526040600020826000526020526040600020805461ffff6101f481831661108f565b169061ffff19161790556040519182527fb389f4c76a55484f7e090e125d3c16bf2928b16148df9eff53524462bda7a10960203393a3005b84632417300360e21b6000526004523360245260446000fd5b856371233bd360e01b60005260045260246000fd5b85634ecc789560e11b60005260045260246000fd5b856333aa3a9160e21b6000526004523360245260446000fd5b836370a6d9e560e11b6000526004523360245260446000fd5b346101055760003660031901126101055760206040516140008152f35b346101055760803660031901126101055760206102ec6102dc610f59565b60643590604435906004356110a3565b604051908152f35b34610105576020366003190112610105576004356000526002602052610160604060002080549060ff60018201549160028101546004600383015492015493604051958652602086015260018060a01b038116604086015261ffff8160a01c16606086015261ffff8160b01c16608086015260c01c60a08501526001600160401b03811660c085015261ffff8160401c1660e085015261ffff8160501c1661010085015260601c161515610120830152610140820152f35b34610105576103ba36610f43565b906103c4816110e8565b82156104f75760008281526003602090815260408083203384529091529020546104de576103f181611121565b6104c957600082815260036020908152604080832033845282528083208690558483526004909152902080549190680100000000000000008310156104b35782610442916001600395018155611077565b81546001600160a01b0391851b91821b19163390911b17905501805461ffff60401b610475604083901c61ffff1661108f565b60401b169061ffff60401b19161790556040519182527fef653a9608e4d816ce91da70712413a9d5c5bb473d42eb5b536babad2a41238e60203393a3005b634e487b7160e01b600052604160045260246000fd5b50630556dbc160e11b60005260045260246000fd5b506341c2876360e11b6000526004523360245260446000fd5b63c38b437f60e01b60005260046000fd5b346101055761051636610f43565b61051f826110e8565b90600382019081549260ff8460601c166107b05761053c81611121565b158015610785575b6107705784600052600560205260406000208260005260205261ffff604060002054169361ffff600283015460a01c1680861061074657508291600491600160601b9060ff60601b19161780955501558360005260046020528261ffff60406000209360401c160361ffff81116107305761ffff166105db6105c582611060565b916105d36040519384610fa9565b808352611060565b602082019390601f1901368537600080918054925b83811061066e575050505060405193606085019285526020850152606060408501525180915260808301919060005b81811061064f57857fdf6d795de66933faa337253bab3f1631c435ce51ad9728612a63916a0f401b8586860387a2005b82516001600160a01b031684526020938401939092019160010161061f565b8860005260036020526040806000206106878385611077565b905460039190911b1c6001600160a01b0316600090815260209190915220600181015460ff16159087908215610721575b50506106c7575b6001016105f0565b916106d28383611077565b905460039190911b1c6001600160a01b0316926106ee82611010565b93865183101561070b57602060019360051b8801015290506106bf565b634e487b7160e01b600052603260045260246000fd5b6002015414159050868b6106b8565b634e487b7160e01b600052601160045260246000fd5b86608491878660405193632739152760e11b85526004850152602484015260448301526064820152fd5b846308feb56760e01b60005260045260246000fd5b5061ffff8460401c1661ffff8560501c1610801561054457506001600160401b038416421115610544565b84632682a85960e11b60005260045260246000fd5b34610105576060366003190112610105576024356004356044356001600160401b038111610105576107fb903690600401610f16565b9190811580156109f0575b80156109e8575b6109d75781600052600160205260406000206001810160018060a01b038154166109c25785825580546001600160a01b03191633179055600201936001600160401b0384116104b3576108608554610f6f565b601f811161096c575b50600094601f85116001146108e757847f5e6f1278404ba47fbf985c27b8ac8f0ceea3842b5a39d96202ce2fa67c53975c9495966000916108dc575b508660011b906000198860031b1c19161790555b6108d76040519283928352604060208401523396604084019161103f565b0390a3005b9050830135876108a5565b8086526020862095601f198616815b818110610954575090867f5e6f1278404ba47fbf985c27b8ac8f0ceea3842b5a39d96202ce2fa67c53975c969798921061093a575b5050600186811b0190556108b9565b840135600019600389901b60f8161c19169055868061092b565b858301358955600190980197602092830192016108f6565b8481111561086957856000526020600020601f860160051c90602087106109b9575b81601f9101920160051c039060005b8281106109ab575050610869565b60008282015560010161099d565b6000915061098e565b8363ad60135560e01b60005260045260246000fd5b631a01280960e11b60005260046000fd5b50821561080d565b508315610806565b34610105576000366003190112610105576020604051818152f35b34610105576000366003190112610105576020600054604051908152f35b3461010557610100366003190112610105576024356004356044356001600160401b03811161010557610a68903690600401610f16565b6064939193356001600160401b03811161010557610a8a903690600401610f16565b9290946084359561ffff8716918288036101055760a4359161ffff8316908184036101055760c435976001600160401b03891693848a036101055760e435946001600160401b0386168087036101055760008d815260016020819052604090912001546001600160a01b031615610dd5578a158080610dcd575b8015610dc5575b610db4576140008c11610d99571580610d7e575b610d535788158e8115610d49575b8115610d3e575b8115610d20575b50610d07578115918215610cfe575b8215610cf1575b508115610ce4575b50610cd357600054610b6a90611010565b806000556040516020810191468352306040830152606082015260608152610b93608082610fa9565b5190209b8c9a610bac906001600160401b03421661101f565b95610bb7908761101f565b968b60005260026020526040600020918d83558a60018401556002830191600160a01b6001900333166bffffffffffffffffffffffff60a01b84541617835582546001600160401b0360c01b8a60c01b169261ffff60a01b9060a01b1690600160a01b6001900316179061ffff60b01b9060b01b1617179055600301956001600160401b031695866001600160401b0319825416179055604051988998338a5260208a0152604089016101009052610100890190610c749261103f565b908782036060890152610c869261103f565b93608086015260a08501526001600160401b031660c084015260e0830152037faf193270109f45782afbccecdf653530d4aa4bf99c291f7a8b955dfd11f5dac791a3604051908152602090f35b632a0c9bb560e11b60005260046000fd5b62278d009150118d610b59565b62278d001091508e610b51565b81159250610b4a565b8589634383017360e01b60005260045260245260446000fd5b61ffff168a03905061073057856201fffe8f60011b1611158e610b3b565b602088119150610b34565b878b119150610b2d565b89610d5f368d86610fca565b60208151910120906352faaeb760e11b60005260045260245260446000fd5b5089610d8b368d86610fca565b602081519101201415610b1f565b8b630693c11960e21b60005260045261400060245260446000fd5b636e2a2e3160e11b60005260046000fd5b508a15610b0b565b508415610b04565b8c630d8531d160e31b60005260045260246000fd5b34610105576020366003190112610105576004356000526001602052604060002090815491600260018060a01b036001830154169101826000825492610e2f84610f6f565b8084529360018116908115610ef45750600114610ead575b50610e5492500383610fa9565b6040519283526020830152606060408301528181519182606083015260005b838110610e955750508160006080809484010152601f80199101168101030190f35b60208282018101516080878401015285935001610e73565b90506000929192526020600020906000915b818310610ed8575050906020610e549282010186610e47565b6020919350806001915483858901015201910190918492610ebf565b905060209250610e5494915060ff191682840152151560051b82010186610e47565b9181601f84011215610105578235916001600160401b038311610105576020838186019501011161010557565b6040906003190112610105576004359060243590565b602435906001600160a01b038216820361010557565b90600182811c92168015610f9f575b6020831014610f8957565b634e487b7160e01b600052602260045260246000fd5b91607f1691610f7e565b90601f801991011681019081106001600160401b038211176104b357604052565b9291926001600160401b0382116104b35760405191610ff3601f8201601f191660200184610fa9565b829481845281830111610105578281602093846000960137010152565b60001981146107305760010190565b906001600160401b03809116911601906001600160401b03821161073057565b908060209392818452848401376000828201840152601f01601f1916010190565b6001600160401b0381116104b35760051b60200190565b805482101561070b5760005260206000200190600090565b61ffff60019116019061ffff821161073057565b92909160405192602084019485526bffffffffffffffffffffffff199060601b16604084015260548301526074820152607481526110e2609482610fa9565b51902090565b9081600052600260205260406000209160018060a01b036002840154161561110d5750565b637bbe34c960e01b60005260045260246000fd5b60028101548060c01c421191821561113857505090565b61ffff91925060038291015460401c169160b01c1611159056fea164736f6c6343000825000a';
