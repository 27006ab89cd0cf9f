package plugins

// RustLanguageWithFallback is RustLanguage with another rustc tried after $RUSTC and PATH
// instead of Debian's: tests name an absent one to see a missing toolchain where Debian's is
// installed.
func RustLanguageWithFallback(rustc string) Language { return rustLang{fallback: rustc} }
