// Package validator is the daemon's core: the round loop of one subnet and the scheduler that runs
// many subnets in one process.
//
// One round of one subnet (Subnet.RunRound) is: take the scorer version offered since the last
// round (hot swap happens only here, at a round boundary), snapshot the metagraph, build the
// challenge (the scorer's subnetd_challenge, or the config's synapse and body), query every
// serving miner with the dendrite, score the Round in the sandbox, turn scores into weights
// exactly as the Bittensor SDK does (package weights), preview this epoch with our row with the
// bit-exact Yuma engine, submit (set_weights, or a commit-reveal hash commit when the subnet has
// commit-reveal on), and commit the round's record to the records database before the next round
// begins.
//
// Subnet.Run schedules rounds on chain blocks: a round starts when the configured interval has
// passed since the last round and the chain's weights rate limit has passed since our last
// accepted weights. Validator.Run runs each subnet in its own goroutine with its own runtime
// (limits) and dendrite client.
//
// The same loop runs on the embedded devnet (chain/devnet.Node, a chain.Chain) for the demo and
// tests.
package validator
