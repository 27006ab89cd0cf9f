package chain

// WeightsEvent is one weight setting the chain applied: the SubtensorModule.WeightsSet event
// (emitted for set_weights and for a revealed hash commit) or TimelockedWeightsRevealed (the
// chain applying a timelocked commit), with the hotkey and uid it was for. The chain emits a
// timelocked reveal as WeightsSet followed by TimelockedWeightsRevealed in the same block; a
// reader reports the pair as one TimelockedWeightsRevealed setting.
type WeightsEvent struct {
	// Block is the block the event is in.
	Block uint64 `json:"block"`
	// Netuid and Mecid locate the weights (decoded from the event's NetUidStorageIndex).
	Netuid uint16 `json:"netuid"`
	Mecid  uint8  `json:"mecid"`
	// Hotkey is whose weights were set, UID its uid on the subnet at that block.
	Hotkey AccountID `json:"hotkey"`
	UID    uint16    `json:"uid"`
	// Event is "WeightsSet" or "TimelockedWeightsRevealed".
	Event string `json:"event"`
	// Extrinsic is the index of the extrinsic that emitted it in its block, or -1 when the chain
	// emitted it on its own (timelocked reveals).
	Extrinsic int `json:"extrinsic"`
}

// The Event names of a WeightsEvent.
const (
	EventWeightsSet                = "WeightsSet"
	EventTimelockedWeightsRevealed = "TimelockedWeightsRevealed"
)
