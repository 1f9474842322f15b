// Hardhat config for the local dev chain used by the chain tests (scripts/hardhat-node.mjs).
// Only `hardhat node` is run: the contract is compiled by scripts/compile-contract.mjs, not here.
module.exports = {
  networks: {
    hardhat: { chainId: 31337 },
  },
};
