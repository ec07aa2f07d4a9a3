// The C library, imported once for the whole module: every file of BerthKit (and the commands
// over it) sees glibc's declarations, or musl's where Berth is built against musl.
#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Musl)
@_exported import Musl
#endif
