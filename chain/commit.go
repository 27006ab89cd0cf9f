package chain

import (
	"context"
	"encoding/binary"

	"golang.org/x/crypto/blake2b"

	"github.com/subnetd/subnetd/internal/scale"
)

// MaxSubnets is subtensor's GLOBAL_MAX_SUBNET_COUNT, the stride of the netuid storage index.
const MaxSubnets = 4096

// NetuidIndex is the storage index of a subnet's mechanism: mecid*4096 + netuid (netuid itself for
// mechanism 0). Weights, LastUpdate and commits are keyed by it.
func NetuidIndex(netuid uint16, mecid uint8) uint16 {
	return uint16(uint32(mecid)*MaxSubnets + uint32(netuid))
}

// CommitHash is the commit-reveal v2 hash, bit-exact with subtensor's get_commit_hash and the SDK's
// generate_weight_hash: BlakeTwo256 over the SCALE encoding of
// (hotkey, netuid_index, uids, values, salt, version_key).
func CommitHash(hotkey [32]byte, netuidIndex uint16, uids, values, salt []uint16, versionKey uint64) [32]byte {
	b := make([]byte, 0, 32+2+3*(5+2*len(uids))+8)
	b = append(b, hotkey[:]...)
	b = binary.LittleEndian.AppendUint16(b, netuidIndex)
	b = scale.AppendU16s(b, uids)
	b = scale.AppendU16s(b, values)
	b = scale.AppendU16s(b, salt)
	b = binary.LittleEndian.AppendUint64(b, versionKey)
	return blake2b.Sum256(b)
}

// EpochIndex is subtensor's get_epoch_index for hash commits: (block + netuid + 1) / (tempo + 1).
func EpochIndex(netuid uint16, tempo uint16, block uint64) uint64 {
	return (block + uint64(netuid) + 1) / (uint64(tempo) + 1)
}

// RevealWindow is subtensor's get_reveal_blocks: the inclusive block range in which a hash commit made
// at commitBlock can be revealed (the whole epoch commit_epoch + revealPeriod).
func RevealWindow(netuid uint16, tempo uint16, revealPeriod uint64, commitBlock uint64) (first, last uint64) {
	epoch := EpochIndex(netuid, tempo, commitBlock) + revealPeriod
	first = epoch*(uint64(tempo)+1) - (uint64(netuid) + 1)
	if epoch*(uint64(tempo)+1) < uint64(netuid)+1 {
		first = 0
	}
	return first, first + uint64(tempo)
}

// DefaultCommitRevealVersion is the chain's default CommitRevealWeightsVersion, the
// commit_reveal_version a timelocked commit must carry where the subnet's value reads 0.
const DefaultCommitRevealVersion = 4

// TimelockVersion is the commit_reveal_version to send for a subnet whose CommitRevealVersion
// reads v: v, or DefaultCommitRevealVersion when v is 0 (a runtime without the storage item).
func TimelockVersion(v uint16) uint16 {
	if v == 0 {
		return DefaultCommitRevealVersion
	}
	return v
}

// TimelockWithHotkey is the payload rule of a timelocked commit, by the call it is sent with and
// the commit_reveal_version it carries (TimelockVersion): false (the legacy payload
// {uids, values, version_key}) for commit_crv3_weights and commit_crv3_mechanism_weights, which
// carry no version and whose runtimes (spec 300) decode nothing else, and for versions below 4,
// which predate the hotkey; true (the v4 payload, whose hotkey the chain checks against the
// signer) otherwise. The CLI and the daemon both follow it; docs/OPERATIONS.md says why.
func TimelockWithHotkey(call string, version uint16) bool {
	return call != "commit_crv3_weights" && call != "commit_crv3_mechanism_weights" && version >= 4
}

// TimelockedCaller is implemented by chains that can name the timelocked commit call they would
// submit for a mechanism ("" when the runtime has none), as chain/subtensor's Client does. A
// chain without it is taken to submit commit_timelocked_weights.
type TimelockedCaller interface {
	TimelockedCall(ctx context.Context, mecid uint8) (string, error)
}
