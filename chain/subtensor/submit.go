package subtensor

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/subtensor/internal/rpc"
)

// submit signs call with s, sends it, and waits (until ctx ends) for it to land in a block. It never
// sends the same call twice into a block: when the outcome is unknown it returns ErrTxPending with the
// hash, for TxStatus. A copy that provably cannot land (block full, dropped from the pool) is sent
// again with the same nonce, so at most one copy can ever be included; and before any failure is
// reported, every copy sent is looked for in the blocks since the first was sent, so the result
// says what the chain did, not what the node said on the way.
func (c *Client) submit(ctx context.Context, s chain.Signer, rm *runtimeMeta, call []byte, headN uint64, headHash [32]byte, isCommit bool) (chain.TxResult, error) {
	var reuse *uint64
	var sent []*txRecord
	for attempt := 1; ; attempt++ {
		rec, err := c.send(ctx, s, rm, call, headN, headHash, isCommit, reuse)
		if rec.result.Hash != ([32]byte{}) {
			sent = append(sent, rec)
		}
		res := rec.result
		if err == nil && rec.result.State == chain.TxPending {
			res, err = c.wait(ctx, rec)
		}
		if err == nil || errors.Is(err, chain.ErrTxPending) || res.State == chain.TxInBlock {
			return res, err // landed (perhaps failing in dispatch), or still unknown: never resend
		}
		// The last copy did not land. An earlier one may have: then that is the outcome.
		if len(sent) > 1 || errors.Is(err, chain.ErrStaleNonce) {
			if got, ok := c.landedCopy(ctx, sent); ok {
				return got.result, got.result.Err
			}
		}
		// A transaction that provably never landed because the block was full, or that left the pool
		// for no reason the node will tell, is worth one more try, with the same nonce: whichever copy
		// lands first makes the other stale, so at most one can ever be included.
		retry := errors.Is(err, errBlockFull) || (errors.Is(err, chain.ErrTxDropped) && res.State == chain.TxDropped)
		if !retry || attempt == 5 || ctx.Err() != nil {
			return res, err
		}
		next, nerr := c.nodeNonce(ctx, s.PublicKey())
		if nerr != nil {
			return res, err
		}
		if next > res.Nonce {
			// The nonce is used: by a copy of ours still on its way into a block, or by another
			// transaction of this account. Find out which before saying anything.
			if got, ok := c.awaitCopy(ctx, sent); ok {
				return got.result, got.result.Err
			}
			return res, fmt.Errorf("%w (its nonce %d was then used by another transaction of this account; not sent again)", err, res.Nonce)
		}
		c.logf("chain: %s dropped (%v); sending again with nonce %d", hexOf(res.Hash[:]), err, res.Nonce)
		n := res.Nonce
		reuse = &n
		if headN, headHash, err = c.head(ctx); err != nil {
			return res, err
		}
	}
}

// landedCopy looks for any of the copies in the blocks from the first one's first possible block to
// the head, and settles the one it finds.
func (c *Client) landedCopy(ctx context.Context, sent []*txRecord) (*txRecord, bool) {
	if len(sent) == 0 {
		return nil, false
	}
	from, end := sent[0].from, sent[0].eraEnd
	for _, r := range sent[1:] {
		from, end = min(from, r.from), max(end, r.eraEnd)
	}
	headN, _, err := c.head(ctx)
	if err != nil {
		return nil, false
	}
	for n := from; n <= min(headN, end); n++ {
		bh, err := c.blockHash(ctx, n)
		if err != nil {
			return nil, false
		}
		for _, r := range sent {
			if n < r.from || n > r.eraEnd {
				continue
			}
			idx, err := c.findInBlock(ctx, bh, r.result.Hash)
			if err != nil {
				return nil, false
			}
			if idx >= 0 {
				r.result.Err = nil
				_ = c.settle(ctx, r, n, bh, idx)
				c.remember(r)
				c.logf("chain: %s was included in block %d after all", hexOf(r.result.Hash[:]), n)
				return r, true
			}
		}
	}
	return nil, false
}

// awaitCopy waits, for up to missingHeads new blocks, for one of the copies to appear in a block
// (the account's nonce says some transaction with it is in the pool or a block).
func (c *Client) awaitCopy(ctx context.Context, sent []*txRecord) (*txRecord, bool) {
	start, _, err := c.head(ctx)
	if err != nil {
		return nil, false
	}
	for {
		if got, ok := c.landedCopy(ctx, sent); ok {
			return got, true
		}
		n, _, err := c.head(ctx)
		if err != nil || n >= start+missingHeads {
			return nil, false
		}
		t := time.NewTimer(c.opts.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, false
		case <-t.C:
		}
	}
}

// missingHeads is how many new blocks must pass without a transaction that is no longer in the pool
// before it is reported dropped (when a dry run cannot say so sooner).
const missingHeads = 3

// errFutureNonce marks InvalidTransaction::Future.
var errFutureNonce = errors.New("nonce from the future")

// errBlockFull marks InvalidTransaction::ExhaustsResources.
var errBlockFull = errors.New("block full (ExhaustsResources)")

// send signs and sends under sendMu, so that two goroutines never get the same nonce.
// With reuse set, it signs with that nonce instead of the next one.
func (c *Client) send(ctx context.Context, s chain.Signer, rm *runtimeMeta, call []byte, headN uint64, headHash [32]byte, isCommit bool, reuse *uint64) (*txRecord, error) {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	acct := s.PublicKey()
	nonce, err := c.nextNonce(ctx, acct)
	if err != nil {
		return &txRecord{}, err
	}
	if reuse != nil {
		nonce = *reuse
	}
	era, birth := MortalEra(c.opts.EraPeriod, headN)
	birthHash := headHash
	if birth != headN {
		if birthHash, err = c.blockHash(ctx, birth); err != nil {
			return &txRecord{}, err
		}
	}
	period := uint64(1) << (era[0]&0x0f + 1)
	xt, hash, err := rm.signedExtrinsic(call, txParams{
		specVersion: rm.specVersion, txVersion: rm.txVersion, genesis: c.genesis,
		era: era, eraBirth: birthHash, nonce: nonce,
	}, s)
	if err != nil {
		return &txRecord{}, err
	}
	rec := &txRecord{result: chain.TxResult{Hash: hash, State: chain.TxPending, Nonce: nonce}, account: acct, xt: xt,
		from: headN + 1, eraEnd: birth + period - 1, isCommit: isCommit}
	c.logf("chain: submit %s nonce %d from %s", hexOf(hash[:]), nonce, chain.AccountID(acct))
	var got string
	err = c.rpc.Call(ctx, &got, "author_submitExtrinsic", hexOf(xt))
	if err != nil {
		var re *rpc.Error
		if errors.As(err, &re) {
			// The node refused it: nothing was queued, the nonce is free again.
			c.forgetNonce(acct)
			rec.result.State = chain.TxDropped
			rec.result.Err = decodeSubmitError(re, isCommit)
			c.remember(rec)
			return rec, rec.result.Err
		}
		// Unknown whether the node got it: let the node's pool-aware nonce decide next time.
		c.forgetNonce(acct)
		c.remember(rec)
		return rec, fmt.Errorf("%w: submit %s: %v", chain.ErrTxPending, hexOf(hash[:]), err)
	}
	c.mu.Lock()
	if cur, ok := c.nonces[acct]; !ok || cur < nonce+1 {
		c.nonces[acct] = nonce + 1
	}
	c.mu.Unlock()
	c.remember(rec)
	return rec, nil
}

func (c *Client) remember(rec *txRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.txs[rec.result.Hash] = rec
	if len(c.txs) > 4096 { // forget the oldest settled ones
		for h, r := range c.txs {
			if r.result.State != chain.TxPending {
				delete(c.txs, h)
			}
			if len(c.txs) <= 2048 {
				break
			}
		}
	}
}

func (c *Client) forgetNonce(acct [32]byte) {
	c.mu.Lock()
	delete(c.nonces, acct)
	c.mu.Unlock()
}

// nodeNonce is the node's next index for the account (pool-aware on a full node).
func (c *Client) nodeNonce(ctx context.Context, acct [32]byte) (uint64, error) {
	var n uint64
	if err := c.call(ctx, &n, "system_accountNextIndex", chain.AccountID(acct).String()); err != nil {
		return 0, fmt.Errorf("account nonce: %w", err)
	}
	return n, nil
}

// nextNonce is the larger of the node's next index and the one this client handed out last.
func (c *Client) nextNonce(ctx context.Context, acct [32]byte) (uint64, error) {
	n, err := c.nodeNonce(ctx, acct)
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if local, ok := c.nonces[acct]; ok && local > n {
		n = local
	}
	return n, nil
}

// wait polls new blocks for the transaction until it lands, its era ends, the node drops it, or ctx ends.
func (c *Client) wait(ctx context.Context, rec *txRecord) (chain.TxResult, error) {
	for {
		done, err := c.check(ctx, rec)
		if done {
			return rec.result, err
		}
		if err != nil && ctx.Err() == nil {
			c.logf("chain: watching %s: %v", hexOf(rec.result.Hash[:]), err)
		}
		t := time.NewTimer(c.opts.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return rec.result, fmt.Errorf("%w: %s not in a block yet (ask TxStatus; do not resend)", chain.ErrTxPending, hexOf(rec.result.Hash[:]))
		case <-t.C:
		}
	}
}

// check scans blocks from rec.from to the head for the transaction. It reports done when the
// transaction was found, expired, or vanished from the node's pool without landing.
func (c *Client) check(ctx context.Context, rec *txRecord) (bool, error) {
	var pending []string
	pendErr := c.call(ctx, &pending, "author_pendingExtrinsics")
	inPool := false
	for _, p := range pending {
		if b, err := hex.DecodeString(strings.TrimPrefix(p, "0x")); err == nil && blake2b.Sum256(b) == rec.result.Hash {
			inPool = true
			break
		}
	}
	headN, _, err := c.head(ctx)
	if err != nil {
		return false, err
	}
	for n := rec.from; n <= min(headN, rec.eraEnd); n++ { // no block after the era can hold it
		bh, err := c.blockHash(ctx, n)
		if err != nil {
			return false, err
		}
		idx, err := c.findInBlock(ctx, bh, rec.result.Hash)
		if err != nil {
			return false, err
		}
		if idx >= 0 {
			return true, c.settle(ctx, rec, n, bh, idx)
		}
		rec.from = n + 1
	}
	if headN > rec.eraEnd {
		rec.result.State = chain.TxDropped
		rec.result.Err = fmt.Errorf("%w: era ended at block %d without inclusion", chain.ErrTxDropped, rec.eraEnd)
		return true, rec.result.Err
	}
	if pendErr != nil || inPool {
		rec.missingAt = 0
		return false, nil
	}
	// Gone from the pool and in no block up to a head read after the pool. The transaction may be in
	// a block that is being built or imported right now (a block builder may take it out of the pool
	// before the block before it is imported), so conclude "dropped" only once missingHeads newer
	// heads still lack it; never on a timer: a slow block is not a dropped transaction.
	if rec.missingAt == 0 {
		rec.missingAt = headN
		// A dry run at the head that finds the transaction invalid (other than a used nonce, which
		// would mean it just landed) settles it at once: it cannot be in any block built on this head.
		if why, sure := c.dryRunReason(ctx, rec); sure {
			return true, c.dropped(rec, why)
		}
		return false, nil
	}
	if headN >= rec.missingAt+missingHeads {
		why, _ := c.dryRunReason(ctx, rec)
		return true, c.dropped(rec, why)
	}
	return false, nil
}

// findInBlock returns the index of the extrinsic with the given hash in block bh, or -1.
func (c *Client) findInBlock(ctx context.Context, bh [32]byte, hash [32]byte) (int, error) {
	var blk struct {
		Block struct {
			Extrinsics []string `json:"extrinsics"`
		} `json:"block"`
	}
	if err := c.call(ctx, &blk, "chain_getBlock", hexOf(bh[:])); err != nil {
		return -1, err
	}
	for i, x := range blk.Block.Extrinsics {
		b, err := hex.DecodeString(strings.TrimPrefix(x, "0x"))
		if err == nil && blake2b.Sum256(b) == hash {
			return i, nil
		}
	}
	return -1, nil
}

// settle reads the events of the transaction's block and fills in the outcome.
func (c *Client) settle(ctx context.Context, rec *txRecord, n uint64, bh [32]byte, idx int) error {
	rec.result.State = chain.TxInBlock
	rec.result.Block = n
	rec.result.BlockHash = bh
	rm, err := c.meta(ctx, bh)
	if err != nil {
		return err
	}
	evs, err := c.events(ctx, rm, bh)
	if err != nil {
		return fmt.Errorf("events of block %d: %w", n, err)
	}
	rec.result.Events = nil
	for _, e := range evs {
		if e.extrinsic != idx {
			continue
		}
		rec.result.Events = append(rec.result.Events, e.pallet+"."+e.name)
		if e.pallet == "System" && e.name == "ExtrinsicFailed" {
			rec.result.Err = rm.dispatchError(e.fields)
		}
		if e.pallet == "Sudo" && e.name == "Sudid" && rec.result.Err == nil {
			// Sudo reports its inner call's failure in the event, not as ExtrinsicFailed.
			if r, ok := first(e.fields); ok {
				if v, ok := r.(*variant); ok && v.name == "Err" {
					inner, _ := first(v.fields)
					rec.result.Err = rm.dispatchError(&composite{names: []string{"dispatch_error"}, values: []any{inner}})
				}
			}
		}
	}
	return rec.result.Err
}

func first(c *composite) (any, bool) {
	if c == nil || len(c.values) == 0 {
		return nil, false
	}
	return c.values[0], true
}

type event struct {
	extrinsic int // -1 when not applied by an extrinsic
	pallet    string
	name      string
	fields    *composite
}

// events decodes System.Events at block bh with the metadata's types.
func (c *Client) events(ctx context.Context, rm *runtimeMeta, bh [32]byte) ([]event, error) {
	if rm.eventsType < 0 {
		return nil, errors.New("runtime has no System.Events")
	}
	key, _, err := rm.storageKey("System", "Events")
	if err != nil {
		return nil, err
	}
	raw, err := c.storageAt(ctx, bh, [][]byte{key})
	if err != nil {
		return nil, err
	}
	if raw[0] == nil {
		return nil, nil
	}
	r := &reader{b: raw[0]}
	v, err := rm.decodeType(r, rm.eventsType, 0)
	if err != nil {
		return nil, err
	}
	recs, err := asSlice(v)
	if err != nil {
		return nil, err
	}
	out := make([]event, 0, len(recs))
	for _, rv := range recs {
		rc, ok := rv.(*composite)
		if !ok {
			return nil, errors.New("event record is not a struct")
		}
		ev := event{extrinsic: -1}
		if ph, ok := rc.field("phase"); ok {
			if pv, ok := ph.(*variant); ok && pv.name == "ApplyExtrinsic" {
				if x, ok := first(pv.fields); ok {
					i, _ := asU64(x)
					ev.extrinsic = int(i)
				}
			}
		}
		e, ok := rc.field("event")
		pv, ok2 := e.(*variant)
		if !ok || !ok2 {
			return nil, errors.New("event record has no event")
		}
		ev.pallet = pv.name
		if inner, ok := first(pv.fields); ok {
			if iv, ok := inner.(*variant); ok {
				ev.name, ev.fields = iv.name, iv.fields
			}
		}
		out = append(out, ev)
	}
	return out, nil
}

// dispatchError turns the fields of System.ExtrinsicFailed (or a DispatchError value) into a
// *chain.DispatchError named from the metadata.
func (rm *runtimeMeta) dispatchError(fields *composite) error {
	v, ok := fields.field("dispatch_error")
	if !ok {
		v, _ = first(fields)
	}
	de, ok := v.(*variant)
	if !ok {
		return &chain.DispatchError{Name: "ExtrinsicFailed"}
	}
	if de.name != "Module" {
		name := de.name
		if inner, ok := first(de.fields); ok {
			if iv, ok := inner.(*variant); ok {
				name += "." + iv.name
			}
		}
		return chain.NewDispatchError("", name)
	}
	me, _ := first(de.fields)
	mc, ok := me.(*composite)
	if !ok {
		return chain.NewDispatchError("", "Module")
	}
	iv, _ := mc.field("index")
	ev, _ := mc.field("error")
	pi, _ := asU64(iv)
	var ei uint8
	switch x := ev.(type) {
	case []byte:
		if len(x) > 0 {
			ei = x[0]
		}
	default:
		e, _ := asU64(x)
		ei = uint8(e)
	}
	p := rm.byIndex[uint8(pi)]
	if p == nil {
		return chain.NewDispatchError("", fmt.Sprintf("Module(%d).Error(%d)", pi, ei))
	}
	name, ok := p.errors[ei]
	if !ok {
		name = fmt.Sprintf("Error(%d)", ei)
	}
	return chain.NewDispatchError(p.name, name)
}

// decodeSubmitError turns the node's refusal of a transaction into an error callers can branch on.
// Substrate answers 1010 "Invalid Transaction" (reason in data), 1011 "Unknown Transaction", 1012
// "Transaction is temporarily banned", 1013 "already imported", 1014 "Priority is too low".
func decodeSubmitError(e *rpc.Error, isCommit bool) error {
	data := string(e.Data)
	var s string
	if json.Unmarshal(e.Data, &s) == nil {
		data = s
	}
	low := strings.ToLower(e.Message + " " + data)
	switch {
	case e.Code == 1014 || strings.Contains(low, "priority is too low"):
		return fmt.Errorf("%w: %s", chain.ErrPriorityTooLow, e.Error())
	case strings.Contains(low, "bad signature") || strings.Contains(low, "badproof") || strings.Contains(low, "bad proof"):
		return fmt.Errorf("%w: the node rejected the signature (check genesis, spec and transaction versions, and the key)", chain.ErrBadSignature)
	case strings.Contains(low, "exhaustsresources") || strings.Contains(low, "exhausts resources"):
		return fmt.Errorf("%w: %w", chain.ErrInvalidTransaction, errBlockFull)
	case strings.Contains(low, "stale") || strings.Contains(low, "outdated"):
		return fmt.Errorf("%w: %s", chain.ErrStaleNonce, e.Error())
	}
	if code, ok := customCode(e.Message + " " + data); ok {
		return chain.CustomCodeError(code, isCommit)
	}
	return fmt.Errorf("%w: %s", chain.ErrInvalidTransaction, e.Error())
}

// customCode finds N in "Custom error: N" or {"invalid":{"custom":N}}-like data.
func customCode(data string) (uint8, bool) {
	low := strings.ToLower(data)
	i := strings.Index(low, "custom")
	if i < 0 {
		return 0, false
	}
	rest := low[i+len("custom"):]
	j := strings.IndexFunc(rest, func(r rune) bool { return r >= '0' && r <= '9' })
	if j < 0 || j > 12 {
		return 0, false
	}
	n := 0
	for _, r := range rest[j:] {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
		if n > 255 {
			return 0, false
		}
	}
	return uint8(n), true
}

// dropped marks rec dropped with the reason why (or a generic one) and frees its nonce.
func (c *Client) dropped(rec *txRecord, why error) error {
	rec.result.State = chain.TxDropped
	rec.result.Err = fmt.Errorf("%w: the node dropped it from its pool (invalid when applied)", chain.ErrTxDropped)
	if why != nil {
		rec.result.Err = why
	}
	c.forgetNonce(rec.account)
	return rec.result.Err
}

// dryRunReason asks the node (system_dryRun, offered by chopsticks and by nodes with unsafe RPCs) why a
// transaction missing from the pool is invalid. sure is true when the answer is a validity error other
// than a used nonce: such a transaction cannot be included on top of the current head.
func (c *Client) dryRunReason(ctx context.Context, rec *txRecord) (why error, sure bool) {
	if len(rec.xt) == 0 {
		return nil, false
	}
	_, h, err := c.head(ctx)
	if err != nil {
		return nil, false
	}
	var out string
	if err := c.call(ctx, &out, "system_dryRun", hexOf(rec.xt), hexOf(h[:])); err != nil {
		return nil, false
	}
	b, err := hex.DecodeString(strings.TrimPrefix(out, "0x"))
	if err != nil || len(b) < 2 {
		return nil, false
	}
	rm, err := c.meta(ctx, h)
	if err != nil {
		return nil, false
	}
	why = rm.applyResultError(b, rec.isCommit)
	// Not conclusive: a used nonce (it may have just landed) or a future one (it waits for an earlier
	// transaction of the same account, which may be in the block being built). A full block is taken
	// as conclusive here (chopsticks reports it for transactions it dropped at apply time, and builds
	// no further block on its own); submit then looks for the copy in the blocks before believing it.
	return why, b[0] == 1 && why != nil && !errors.Is(why, chain.ErrStaleNonce) && !errors.Is(why, errFutureNonce)
}

// applyResultError decodes an ApplyExtrinsicResult (Result<Result<(), DispatchError>,
// TransactionValidityError>) into an error, or nil for success.
func (rm *runtimeMeta) applyResultError(b []byte, isCommit bool) error {
	if len(b) < 2 {
		return nil
	}
	if b[0] == 0 { // Ok(DispatchOutcome)
		if b[1] == 0 {
			return nil
		}
		id := rm.typeByPath("sp_runtime", "DispatchError")
		if id < 0 {
			return nil
		}
		v, err := rm.decodeType(&reader{b: b[2:]}, id, 0)
		if err != nil {
			return nil
		}
		return rm.dispatchError(&composite{names: []string{"dispatch_error"}, values: []any{v}})
	}
	return validityError(b[1:], isCommit)
}

// validityError decodes sp_runtime's TransactionValidityError (Invalid(InvalidTransaction) or
// Unknown(UnknownTransaction)); these enums are not always in the metadata, but they are stable.
func validityError(b []byte, isCommit bool) error {
	if len(b) < 2 {
		return fmt.Errorf("%w: undecodable validity error", chain.ErrInvalidTransaction)
	}
	if b[0] == 1 {
		return fmt.Errorf("%w: unknown transaction validity (code %d)", chain.ErrInvalidTransaction, b[1])
	}
	switch b[1] {
	case 2:
		return fmt.Errorf("%w: %w", chain.ErrInvalidTransaction, errFutureNonce)
	case 3:
		return fmt.Errorf("%w: the nonce was already used", chain.ErrStaleNonce)
	case 4:
		return fmt.Errorf("%w: the node rejected the signature", chain.ErrBadSignature)
	case 5:
		return fmt.Errorf("%w: the era's birth block is too old", chain.ErrInvalidTransaction)
	case 6:
		return fmt.Errorf("%w: %w", chain.ErrInvalidTransaction, errBlockFull)
	case 7:
		if len(b) >= 3 {
			return chain.CustomCodeError(b[2], isCommit)
		}
	}
	names := []string{"Call", "Payment", "Future", "Stale", "BadProof", "AncientBirthBlock", "ExhaustsResources", "Custom", "BadMandatory", "MandatoryValidation", "BadSigner"}
	if int(b[1]) < len(names) {
		return fmt.Errorf("%w: %s", chain.ErrInvalidTransaction, names[b[1]])
	}
	return fmt.Errorf("%w: invalid (code %d)", chain.ErrInvalidTransaction, b[1])
}
