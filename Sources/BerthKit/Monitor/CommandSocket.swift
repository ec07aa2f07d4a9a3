#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CBerthLinux

/// The per-container Unix socket a monitor serves, in the abstract namespace so that it vanishes
/// with the monitor however the monitor ends (even SIGKILL), and so that binding it is the
/// "already running" lock: a second monitor's bind fails with EADDRINUSE.
///
/// The name is `berth<lxcpath>/<name>/command`; when that exceeds the 107 bytes an abstract
/// address may hold, `berth/<hash>/command` with a 64-bit FNV-1a hash of `<lxcpath>/<name>`.
public struct CommandSocket: Sendable {
    public let address: String

    public init(paths: ContainerPaths) {
        let full = "berth\(paths.lxcpath)/\(paths.name.value)/command"
        if full.utf8.count <= 107 {
            address = full
        } else {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in "\(paths.lxcpath)/\(paths.name.value)".utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01b3
            }
            let hex = String(hash, radix: 16)
            address = "berth/" + String(repeating: "0", count: 16 - hex.count) + hex + "/command"
        }
    }

    /// Binds and listens. nil when another process holds the address (a monitor runs).
    public func listen() throws(BerthError) -> Int32? {
        let fd = address.withCString { berth_listen_abstract($0, strlen($0)) }
        if fd >= 0 { return fd }
        if errno == EADDRINUSE { return nil }
        throw BerthError.system("bind", "@" + address, currentErrno)
    }

    /// Connects; nil when no monitor listens (the container is stopped).
    public func connect() throws(BerthError) -> Int32? {
        let fd = address.withCString { berth_connect_abstract($0, strlen($0)) }
        if fd >= 0 { return fd }
        if errno == ECONNREFUSED || errno == ENOENT { return nil }
        throw BerthError.system("connect", "@" + address, currentErrno)
    }
}
