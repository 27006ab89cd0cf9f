// Command provider is the test provider of package providers: well-behaved or hostile, as its
// first argument says.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/subnetd/subnetd/providers"
	"github.com/subnetd/subnetd/providers/internal/testfeatures"
)

func main() {
	mode := "echo"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	providers.Serve(func(ctx context.Context, round []byte) ([]byte, error) {
		switch mode {
		case "crash":
			os.Exit(3)
		case "hang":
			<-ctx.Done()
			time.Sleep(time.Hour)
		case "flood":
			for i := range 200_000 {
				fmt.Fprintf(os.Stderr, "flood line %d %s\n", i, strings.Repeat("x", 100))
			}
		case "huge":
			return []byte(`{"features":{"0":"` + strings.Repeat("a", 100<<20) + `"}}`), nil
		case "stranger":
			return []byte(`{"features":{"9999":1}}`), nil
		case "malformed":
			return []byte(`{"features":[1,2,3]}`), nil
		case "error":
			return nil, fmt.Errorf("model not loaded")
		}
		return testfeatures.Echo(round)
	})
}
