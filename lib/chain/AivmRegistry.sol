// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title AivmRegistry
/// @notice On-chain registry of AIVM kernels and of inference requests settled by commit-reveal.
/// AIVM execution is bit-identical across machines, so honest nodes produce the same output hash;
/// the contract only has to collect hashes without letting nodes copy each other, and count them.
contract AivmRegistry {
    error NotOwner();
    error NotAdmitted(address node);
    error KernelExists(bytes32 kernelId); // this publisher already registered this id
    error BadKernel();
    error UnknownKernel(bytes32 kernelId);
    error NoInput(); // no inline input and no inputUri, or a zero inputHash
    error InputTooLarge(uint256 size, uint256 max);
    error InputHashMismatch(bytes32 expected, bytes32 actual);
    error BadQuorum(uint16 quorum, uint16 maxNodes);
    error BadWindow();
    error UnknownRequest(bytes32 requestId);
    error CommitClosed(bytes32 requestId);
    error AlreadyCommitted(bytes32 requestId, address node);
    error BadCommitment();
    error NotCommitted(bytes32 requestId, address node);
    error AlreadyRevealed(bytes32 requestId, address node);
    error RevealNotOpen(bytes32 requestId);
    error RevealClosed(bytes32 requestId);
    error CommitmentMismatch(bytes32 requestId, address node);
    error AlreadyFinalized(bytes32 requestId);
    error NotReady(bytes32 requestId);
    error NoQuorum(bytes32 requestId, bytes32 outputHash, uint16 votes, uint16 quorum);

    event NodeAdmitted(address indexed node, bool admitted);
    event KernelRegistered(bytes32 indexed kernelId, bytes32 manifestDigest, string uri, address indexed publisher);
    event InferenceRequested(
        bytes32 indexed requestId,
        bytes32 indexed kernelId,
        address requester,
        bytes32 inputHash,
        bytes input,
        string inputUri,
        uint16 quorum,
        uint16 maxNodes,
        uint64 commitDeadline,
        uint64 revealDeadline
    );
    event Committed(bytes32 indexed requestId, address indexed node, bytes32 commitment);
    event Revealed(bytes32 indexed requestId, address indexed node, bytes32 outputHash);
    event Finalized(bytes32 indexed requestId, bytes32 outputHash, uint16 agree, address[] dissenters);

    /// Inline inputs live only in calldata and the event log; the cap keeps that cost bounded.
    uint256 public constant MAX_INPUT_BYTES = 16384;
    /// Bounds the per-request node list, so finalize's loop has a fixed worst-case gas cost.
    uint16 public constant MAX_NODES = 32;
    uint64 private constant MAX_WINDOW = 30 days;

    struct Kernel {
        bytes32 manifestDigest;
        address publisher;
        string uri;
    }

    struct Request {
        bytes32 kernelId;
        bytes32 inputHash;
        address requester; // nonzero exactly when the request exists
        uint16 quorum;
        uint16 maxNodes;
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint16 commits;
        uint16 reveals;
        bool finalized;
        bytes32 outputHash;
    }

    struct Commit {
        bytes32 commitment;
        bool revealed;
        bytes32 outputHash;
    }

    uint256 public requestCount;
    /// The operator: admits nodes (after checking their signed self-test fingerprints off chain).
    address public immutable owner;
    /// Only admitted nodes may commit: otherwise anyone could fill a request's seats with their
    /// own keys and decide (or block) its result.
    mapping(address => bool) public admitted;

    /// Every publisher's registration of a kernel id, oldest first (see registerKernel).
    mapping(bytes32 => Kernel[]) private _kernels;
    mapping(bytes32 => mapping(address => bool)) private _published;
    mapping(bytes32 => Request) private _requests;
    mapping(bytes32 => mapping(address => Commit)) private _commits;
    /// Committed nodes in commit order: finalize names the dissenters from it.
    mapping(bytes32 => address[]) private _nodes;
    mapping(bytes32 => mapping(bytes32 => uint16)) private _votes;

    constructor() {
        owner = msg.sender;
    }

    // ------------------------------------------------------------------ nodes

    function setAdmitted(address node, bool isAdmitted) external {
        if (msg.sender != owner) revert NotOwner();
        admitted[node] = isAdmitted;
        emit NodeAdmitted(node, isAdmitted);
    }

    // ---------------------------------------------------------------- kernels

    /// The contract cannot compute a kernel id (canonical JSON), so it cannot tell a real
    /// registration from a squatter's. Any publisher may therefore register any id, once each,
    /// and nodes try the URIs in turn: a node only runs what loads to exactly the requested id,
    /// so a wrong URI costs a failed download, never a wrong answer, and cannot lock the real one out.
    function registerKernel(bytes32 kernelId, bytes32 manifestDigest, string calldata uri) external {
        if (kernelId == 0 || manifestDigest == 0 || bytes(uri).length == 0) revert BadKernel();
        if (_published[kernelId][msg.sender]) revert KernelExists(kernelId);
        _published[kernelId][msg.sender] = true;
        _kernels[kernelId].push(Kernel(manifestDigest, msg.sender, uri));
        emit KernelRegistered(kernelId, manifestDigest, uri, msg.sender);
    }

    /// The first registration of a kernel id (zero values if none).
    function kernelOf(bytes32 kernelId)
        external
        view
        returns (bytes32 manifestDigest, address publisher, string memory uri)
    {
        if (_kernels[kernelId].length == 0) return (0, address(0), "");
        return kernelAt(kernelId, 0);
    }

    function kernelCount(bytes32 kernelId) external view returns (uint256) {
        return _kernels[kernelId].length;
    }

    function kernelAt(bytes32 kernelId, uint256 index)
        public
        view
        returns (bytes32 manifestDigest, address publisher, string memory uri)
    {
        Kernel storage k = _kernels[kernelId][index];
        return (k.manifestDigest, k.publisher, k.uri);
    }

    // --------------------------------------------------------------- requests

    /// The input is either inline (checked against inputHash here, published in the event only)
    /// or fetched by nodes from inputUri and checked by them against inputHash.
    function requestInference(
        bytes32 kernelId,
        bytes32 inputHash,
        bytes calldata input,
        string calldata inputUri,
        uint16 quorum,
        uint16 maxNodes,
        uint64 commitSeconds,
        uint64 revealSeconds
    ) external returns (bytes32 requestId) {
        if (_kernels[kernelId].length == 0) revert UnknownKernel(kernelId);
        // A zero inputHash would leave nodes nothing to check a fetched input against.
        if ((input.length == 0 && bytes(inputUri).length == 0) || inputHash == bytes32(0)) revert NoInput();
        if (input.length > MAX_INPUT_BYTES) revert InputTooLarge(input.length, MAX_INPUT_BYTES);
        if (input.length != 0 && keccak256(input) != inputHash) {
            revert InputHashMismatch(inputHash, keccak256(input));
        }
        // A strict majority of the seats: two different hashes can never both reach quorum.
        if (quorum == 0 || quorum > maxNodes || maxNodes > MAX_NODES || 2 * uint256(quorum) <= maxNodes) {
            revert BadQuorum(quorum, maxNodes);
        }
        if (commitSeconds == 0 || revealSeconds == 0 || commitSeconds > MAX_WINDOW || revealSeconds > MAX_WINDOW) {
            revert BadWindow();
        }

        // Chain id and contract address in the preimage: the id (and so every commitment and
        // signed result that names it) cannot be replayed on another chain or registry.
        requestId = keccak256(abi.encode(block.chainid, address(this), ++requestCount));
        uint64 commitDeadline = uint64(block.timestamp) + commitSeconds;
        uint64 revealDeadline = commitDeadline + revealSeconds;

        Request storage r = _requests[requestId];
        r.kernelId = kernelId;
        r.inputHash = inputHash;
        r.requester = msg.sender;
        r.quorum = quorum;
        r.maxNodes = maxNodes;
        r.commitDeadline = commitDeadline;
        r.revealDeadline = revealDeadline;

        emit InferenceRequested(
            requestId, kernelId, msg.sender, inputHash, input, inputUri, quorum, maxNodes, commitDeadline, revealDeadline
        );
    }

    /// Commit phase: a node posts commitmentFor(requestId, itself, outputHash, salt), which hides
    /// its output until every seat is taken or the commit deadline passes.
    function commit(bytes32 requestId, bytes32 commitment) external {
        Request storage r = _request(requestId);
        if (!admitted[msg.sender]) revert NotAdmitted(msg.sender);
        if (commitment == 0) revert BadCommitment(); // zero marks "not committed" in storage
        if (_commits[requestId][msg.sender].commitment != 0) revert AlreadyCommitted(requestId, msg.sender);
        if (_commitOver(r)) revert CommitClosed(requestId);

        _commits[requestId][msg.sender].commitment = commitment;
        _nodes[requestId].push(msg.sender);
        r.commits += 1;
        emit Committed(requestId, msg.sender, commitment);
    }

    /// Reveal phase: opens only after the commit phase, so no node can see a revealed hash while
    /// it may still commit.
    function reveal(bytes32 requestId, bytes32 outputHash, bytes32 salt) external {
        Request storage r = _request(requestId);
        Commit storage c = _commits[requestId][msg.sender];
        if (c.commitment == 0) revert NotCommitted(requestId, msg.sender);
        if (c.revealed) revert AlreadyRevealed(requestId, msg.sender);
        if (!_commitOver(r)) revert RevealNotOpen(requestId);
        if (block.timestamp > r.revealDeadline) revert RevealClosed(requestId);
        if (c.commitment != commitmentFor(requestId, msg.sender, outputHash, salt)) {
            revert CommitmentMismatch(requestId, msg.sender);
        }

        c.revealed = true;
        c.outputHash = outputHash;
        r.reveals += 1;
        _votes[requestId][outputHash] += 1;
        emit Revealed(requestId, msg.sender, outputHash);
    }

    /// Anyone may settle once every committed node has revealed or the reveal deadline passed.
    /// The caller names the winning hash; quorum being a strict majority makes it unique.
    function finalize(bytes32 requestId, bytes32 outputHash) external {
        Request storage r = _request(requestId);
        if (r.finalized) revert AlreadyFinalized(requestId);
        if (!_commitOver(r) || (r.reveals < r.commits && block.timestamp <= r.revealDeadline)) {
            revert NotReady(requestId);
        }
        uint16 agree = _votes[requestId][outputHash];
        if (agree < r.quorum) revert NoQuorum(requestId, outputHash, agree, r.quorum);

        r.finalized = true;
        r.outputHash = outputHash;

        // Everyone who committed but did not reveal exactly the winning hash: wrong answer or silent.
        address[] storage nodes = _nodes[requestId];
        address[] memory dissenters = new address[](r.commits - agree);
        uint256 n;
        for (uint256 i; i < nodes.length; ++i) {
            Commit storage c = _commits[requestId][nodes[i]];
            if (!c.revealed || c.outputHash != outputHash) dissenters[n++] = nodes[i];
        }
        emit Finalized(requestId, outputHash, agree, dissenters);
    }

    // ------------------------------------------------------------------ views

    function requestOf(bytes32 requestId)
        external
        view
        returns (
            bytes32 kernelId,
            bytes32 inputHash,
            address requester,
            uint16 quorum,
            uint16 maxNodes,
            uint64 commitDeadline,
            uint64 revealDeadline,
            uint16 commits,
            uint16 reveals,
            bool finalized,
            bytes32 outputHash
        )
    {
        Request storage r = _requests[requestId];
        return (
            r.kernelId,
            r.inputHash,
            r.requester,
            r.quorum,
            r.maxNodes,
            r.commitDeadline,
            r.revealDeadline,
            r.commits,
            r.reveals,
            r.finalized,
            r.outputHash
        );
    }

    function commitOf(bytes32 requestId, address node)
        external
        view
        returns (bytes32 commitment, bool revealed, bytes32 outputHash)
    {
        Commit storage c = _commits[requestId][node];
        return (c.commitment, c.revealed, c.outputHash);
    }

    /// The node's address is in the preimage so a lazy node cannot copy another's commitment and
    /// later reveal the other's (outputHash, salt) as its own.
    function commitmentFor(bytes32 requestId, address node, bytes32 outputHash, bytes32 salt)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(requestId, node, outputHash, salt));
    }

    // --------------------------------------------------------------- internal

    function _request(bytes32 requestId) private view returns (Request storage r) {
        r = _requests[requestId];
        if (r.requester == address(0)) revert UnknownRequest(requestId);
    }

    /// The commit phase ends at its deadline, or early once every seat is taken.
    function _commitOver(Request storage r) private view returns (bool) {
        return block.timestamp > r.commitDeadline || r.commits >= r.maxNodes;
    }
}
