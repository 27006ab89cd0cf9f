package chain

// WeightsEvent is a weight setting the chain applied: the SubtensorModule.WeightsSet event
// (emitted for set_weights and for a revealed hash commit) or TimelockedWeightsRevealed (the
// chain applying a timelocked commit), with the hotkey it was for.
type WeightsEvent struct {
	// Block is the block the event is in.
	Block uint64 `json:"block"`
	// Netuid and Mecid locate the weights (decoded from the event's NetUidStorageIndex).
	Netuid uint16 `json:"netuid"`
	Mecid  uint8  `json:"mecid"`
	// Hotkey is whose weights were set.
	Hotkey AccountID `json:"hotkey"`
	// Event is "WeightsSet" or "TimelockedWeightsRevealed".
	Event string `json:"event"`
	// Extrinsic is the index of the extrinsic that emitted it in its block, or -1 when the chain
	// emitted it on its own (timelocked reveals).
	Extrinsic int `json:"extrinsic"`
}
