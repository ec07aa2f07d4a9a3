import SystemPackage

/// A running container's hold on a fixed MAC address of its interfaces: a file per address in
/// the runtime directory of the monitors' sockets (`/run/berth/macs/02-00-..`, in a directory
/// only its owner can enter), locked with flock by the container's monitor for as long as the
/// container runs. A start whose address another running container holds is refused, naming
/// that container; a monitor that dies drops its holds with its descriptors.
///
/// Two machines answering for one address would confuse the bridge they share. The start used
/// to find such a clash by reading every other container's config of its lxcpath, which grew
/// with the number of containers (at 1,000 a start took twice as long as at 500); an address is
/// now one open and one flock, and a clash is found across all of the user's lxcpaths.
public struct MACClaim {
    let fd: FileDescriptor
    let path: String

    /// Claims each fixed MAC address (of interface `index`) for the container at `paths`.
    /// Throws naming the running container that holds one (`already running` when that is this
    /// very container, started twice at once); what was claimed until then is released.
    static func claim(_ fixed: [(index: Int, mac: [UInt8])], paths: ContainerPaths) throws(BerthError) -> [MACClaim] {
        guard !fixed.isEmpty else { return [] }
        let socket = CommandSocket(paths: paths)
        try socket.prepareDirectory()
        let directory = Self.directory(socket)
        try FileSystem.makeDirectoryIfMissing(directory, mode: 0o700)
        let holder = Self.holder(paths)
        var claims: [MACClaim] = []
        for (index, mac) in fixed {
            do throws(BerthError) {
                claims.append(try claim(mac, index: index, in: directory, holder: holder, paths: paths))
            } catch {
                for claim in claims { claim.release() }
                throw error
            }
        }
        return claims
    }

    private static func directory(_ socket: CommandSocket) -> String { socket.directory + "/macs" }

    private static func holder(_ paths: ContainerPaths) -> String { "\(paths.name.value)\n\(paths.lxcpath)\n" }

    private static func file(_ mac: [UInt8], in directory: String) -> String {
        Path.join(directory, MACAddress.format(mac, separator: UInt8(ascii: "-")))
    }

    /// berth-destroy (and the tests' clean-up): the files of the container at `paths` with
    /// `config` go: the empty ones its stops left, and the holds a killed monitor left of it (its
    /// lock went with it, its file stayed); one another container holds now is left alone.
    public static func removeStale(of config: ContainerConfig?, paths: ContainerPaths) {
        let directory = Self.directory(CommandSocket(paths: paths))
        for mac in config?.networks.compactMap({ $0.hwaddr.flatMap(MACAddress.parse) }) ?? [] {
            let path = file(mac, in: directory)
            guard FileSystem.exists(path), let fd = try? FileSystem.open(path, O_RDWR | O_NOFOLLOW) else { continue }
            defer { fd.closeQuietly() }
            guard (try? FileSystem.tryLock(fd, display: path)) == true, let text = try? FileSystem.readText(path) else { continue }
            if text.isEmpty || text == holder(paths) { try? FileSystem.removeFile(path) }
        }
    }

    private static func claim(_ mac: [UInt8], index: Int, in directory: String, holder: String, paths: ContainerPaths) throws(BerthError) -> MACClaim {
        let text = MACAddress.format(mac)
        let path = file(mac, in: directory)
        // A holder empties its file when it ends; berth-destroy removes it (see
        // FileSystem.lockFile).
        guard let fd = try FileSystem.lockFile(at: path) else {
            let other = ((try? FileSystem.readText(path)) ?? "").split(separator: "\n").map(String.init)
            if other.count == 2, other[0] == paths.name.value, other[1] == paths.lxcpath {
                throw BerthError(.busy, "\(paths.name.value) is already running")
            }
            let who = other.count == 2 ? "the running container \(other[0])" + (other[1] == paths.lxcpath ? "" : " of \(other[1])") : "a running container"
            throw BerthError(.busy, "\(paths.config): lxc.net.\(index).hwaddr: MAC address \(text) is already used by \(who)")
        }
        do throws(BerthError) { try FileSystem.replaceContents(of: fd, with: holder, display: path) } catch {
            MACClaim(fd: fd, path: path).release()
            throw error
        }
        return MACClaim(fd: fd, path: path)
    }

    /// Gives the address up: the file is emptied (it names no holder any more), then the lock
    /// goes. The file stays for the next claim, as the command socket's lock file does (see
    /// CommandSocket.Listener.close for why); berth-destroy removes it (`removeStale`).
    func release() {
        clear()
        fd.closeQuietly()
    }

    /// Empties the file, for a caller that closes the descriptor itself.
    func clear() { try? FileSystem.truncate(fd, to: 0, display: path) }
}
