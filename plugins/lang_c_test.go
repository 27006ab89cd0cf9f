package plugins_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/plugins"
)

func TestCLanguage_Project(t *testing.T) {
	lang := plugins.CLanguage()
	requireLang(t, lang)
	if lang.Name() != plugins.LangC {
		t.Fatalf("Name = %q", lang.Name())
	}
	checkLanguageProject(t, lang, "../examples/scorers/quality-c")
}

func TestCLanguage_AgreesWithGo(t *testing.T) {
	lang := plugins.CLanguage()
	requireLang(t, lang)
	checkQualityAgreesWithGo(t, qualityPort{"quality-c", langBuild(t, lang, "../examples/scorers/quality-c")})
}

func TestCLanguage_KitNumbers(t *testing.T) {
	lang := plugins.CLanguage()
	requireLang(t, lang)
	checkKitNumbers(t, langBuild(t, lang, "../pdk/c/tests"))
}

func TestCLanguage_BuildErrors(t *testing.T) {
	lang := plugins.CLanguage()
	requireLang(t, lang)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "broken")
	if err := lang.New(ctx, dir, "broken"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "scorer.c"), []byte("#include \"subnetd.h\"\nint f( {\n"), 0o600)
	err := lang.BuildWasm(ctx, dir, "broken", filepath.Join(dir, "broken.wasm"))
	if err == nil || !strings.Contains(err.Error(), "scorer.c:2") {
		t.Fatalf("a syntax error must name the file and line: %v", err)
	}
	// Without SUBNETD_SCORE nothing is exported: refused by screening.
	os.WriteFile(filepath.Join(dir, "scorer.c"), []byte("#include \"subnetd.h\"\nint f(void) { return 1; }\n"), 0o600)
	err = lang.BuildWasm(ctx, dir, "broken", filepath.Join(dir, "broken.wasm"))
	if err == nil || !strings.Contains(err.Error(), "SUBNETD_SCORE") {
		t.Fatalf("a project without SUBNETD_SCORE must be refused: %v", err)
	}
}
