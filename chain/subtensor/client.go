package subtensor

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/chain/subtensor/internal/rpc"
)

// Options tune a Client. The zero value is usable.
type Options struct {
	// EraPeriod is the lifetime of a transaction in blocks (a power of two; default 64). A transaction
	// not included within it can never be included, so its fate is known for sure after that.
	EraPeriod uint64
	// PollInterval is how often the client looks for a submitted transaction in new blocks
	// (default 500ms).
	PollInterval time.Duration
	// StorageMetagraph makes Metagraph read storage item by item even where the runtime has
	// SubnetInfoRuntimeApi.get_metagraph (which it prefers otherwise).
	StorageMetagraph bool
	// Logf, when set, receives one line per submitted transaction and per reconnect. It never receives
	// key material.
	Logf func(format string, args ...any)
}

// Client is a chain.Chain over a subtensor node's JSON-RPC (ws://, wss://, http://, https://). It owns
// one connection, which it reconnects with backoff, and puts a deadline on every call. It caches
// metadata per runtime version and tracks account nonces, so it is meant to be the only submitter for
// the keys it signs with. Safe for concurrent use.
type Client struct {
	rpc  *rpc.Client
	opts Options

	mu      sync.Mutex
	metas   map[uint32]*runtimeMeta
	genesis [32]byte
	nonces  map[[32]byte]uint64 // next nonce per account, when known
	txs     map[[32]byte]*txRecord
	sendMu  sync.Mutex // one signing+sending at a time, so nonces are handed out in order
}

var _ chain.Chain = (*Client)(nil)

type txRecord struct {
	result   chain.TxResult
	account  [32]byte
	from     uint64 // first block that could include it
	eraEnd   uint64 // last block that could include it
	isCommit bool
	xt       []byte // the signed extrinsic, to ask a node why it was dropped
	// missingAt is the head at the first look that found it neither in the pool nor in a block (0: not
	// missing).
	missingAt uint64
}

// Dial connects to a node and reads its genesis hash.
func Dial(ctx context.Context, endpoint string, opts Options) (*Client, error) {
	r, err := rpc.New(endpoint)
	if err != nil {
		return nil, err
	}
	if opts.EraPeriod == 0 {
		opts.EraPeriod = 64
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 500 * time.Millisecond
	}
	c := &Client{rpc: r, opts: opts, metas: map[uint32]*runtimeMeta{}, nonces: map[[32]byte]uint64{}, txs: map[[32]byte]*txRecord{}}
	var g string
	if err := c.call(ctx, &g, "chain_getBlockHash", 0); err != nil {
		r.Close()
		return nil, fmt.Errorf("connect to %s: %w", endpoint, err)
	}
	if c.genesis, err = parseHash(g); err != nil {
		r.Close()
		return nil, fmt.Errorf("genesis hash: %w", err)
	}
	return c, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.rpc.Close() }

// call is a read: it is retried once after a transport failure (the connection is redialled).
func (c *Client) call(ctx context.Context, result any, method string, params ...any) error {
	err := c.rpc.Call(ctx, result, method, params...)
	if err != nil && rpc.IsTransport(err) && ctx.Err() == nil &&
		!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		c.logf("chain: %s failed (%v); reconnecting", method, err)
		err = c.rpc.Call(ctx, result, method, params...)
	}
	return err
}

func (c *Client) logf(format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf(format, args...)
	}
}

func parseHash(s string) ([32]byte, error) {
	var h [32]byte
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != 32 {
		return h, fmt.Errorf("not a 32-byte hex hash: %.80q", s)
	}
	copy(h[:], b)
	return h, nil
}

func hexOf(b []byte) string { return "0x" + hex.EncodeToString(b) }

func parseHexNumber(s string) (uint64, error) {
	return strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
}

type header struct {
	ParentHash string `json:"parentHash"`
	Number     string `json:"number"`
}

// head returns the best block's number and hash.
func (c *Client) head(ctx context.Context) (uint64, [32]byte, error) {
	var hs string
	if err := c.call(ctx, &hs, "chain_getBlockHash"); err != nil {
		return 0, [32]byte{}, err
	}
	h, err := parseHash(hs)
	if err != nil {
		return 0, h, err
	}
	var hd header
	if err := c.call(ctx, &hd, "chain_getHeader", hs); err != nil {
		return 0, h, err
	}
	n, err := parseHexNumber(hd.Number)
	if err != nil {
		return 0, h, fmt.Errorf("block number %q: %w", hd.Number, err)
	}
	return n, h, nil
}

func (c *Client) blockHash(ctx context.Context, n uint64) ([32]byte, error) {
	var hs *string
	if err := c.call(ctx, &hs, "chain_getBlockHash", n); err != nil {
		return [32]byte{}, err
	}
	if hs == nil {
		return [32]byte{}, fmt.Errorf("no block %d", n)
	}
	return parseHash(*hs)
}

// CurrentBlock returns the best block number.
func (c *Client) CurrentBlock(ctx context.Context) (uint64, error) {
	n, _, err := c.head(ctx)
	return n, err
}

type runtimeVersion struct {
	SpecName           string  `json:"specName"`
	SpecVersion        uint32  `json:"specVersion"`
	TransactionVersion uint32  `json:"transactionVersion"`
	Apis               [][]any `json:"apis"`
}

// meta returns the metadata of the runtime at block hash at, fetching it once per runtime version.
func (c *Client) meta(ctx context.Context, at [32]byte) (*runtimeMeta, error) {
	var rv runtimeVersion
	if err := c.call(ctx, &rv, "state_getRuntimeVersion", hexOf(at[:])); err != nil {
		return nil, fmt.Errorf("runtime version: %w", err)
	}
	c.mu.Lock()
	rm := c.metas[rv.SpecVersion]
	c.mu.Unlock()
	if rm != nil && rm.txVersion == rv.TransactionVersion {
		return rm, nil
	}
	var hexMeta string
	if err := c.call(ctx, &hexMeta, "state_getMetadata", hexOf(at[:])); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	rm, err := parseMetadata(hexMeta, rv.SpecVersion, rv.TransactionVersion)
	if err != nil {
		return nil, fmt.Errorf("runtime spec %d: %w", rv.SpecVersion, err)
	}
	rm.apis = map[string]uint32{}
	for _, a := range rv.Apis {
		if len(a) == 2 {
			id, _ := a[0].(string)
			v, _ := a[1].(float64)
			rm.apis[id] = uint32(v)
		}
	}
	c.mu.Lock()
	c.metas[rv.SpecVersion] = rm
	c.mu.Unlock()
	return rm, nil
}

// storageAt reads many keys at one block. Missing values come back nil.
func (c *Client) storageAt(ctx context.Context, at [32]byte, keys [][]byte) ([][]byte, error) {
	out := make([][]byte, len(keys))
	const batch = 256
	for start := 0; start < len(keys); start += batch {
		end := min(start+batch, len(keys))
		hexKeys := make([]string, 0, end-start)
		index := map[string]int{}
		for i := start; i < end; i++ {
			k := hexOf(keys[i])
			hexKeys = append(hexKeys, k)
			index[k] = i
		}
		var res []struct {
			Changes [][]*string `json:"changes"`
		}
		if err := c.call(ctx, &res, "state_queryStorageAt", hexKeys, hexOf(at[:])); err != nil {
			return nil, fmt.Errorf("read storage: %w", err)
		}
		for _, set := range res {
			for _, ch := range set.Changes {
				if len(ch) != 2 || ch[0] == nil {
					continue
				}
				i, ok := index[strings.ToLower(*ch[0])]
				if !ok || ch[1] == nil {
					continue
				}
				v, err := hex.DecodeString(strings.TrimPrefix(*ch[1], "0x"))
				if err != nil {
					return nil, fmt.Errorf("read storage: value is not hex")
				}
				out[i] = v
			}
		}
	}
	return out, nil
}

// hasItem reports whether the runtime has pallet.item.
func (rm *runtimeMeta) hasItem(pallet, item string) bool {
	_, _, ok := rm.storageEntry(pallet, item)
	return ok
}
