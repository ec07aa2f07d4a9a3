import SystemPackage

/// One `lxc.namespace.share.NAME = TARGET`: the container joins NAME of TARGET (a container in
/// the same lxcpath, or a host pid) instead of getting a new one.
public struct NamespaceShare: Sendable {
    /// LXC's name of the namespace (`net`, `ipc`, ...).
    public let name: String
    public let set: NamespaceSet
    public let target: String
    /// The config line, for errors.
    public let origin: String

    /// Opens TARGET's namespace file. Done by the monitor before clone, so a target that is
    /// not running fails the start with a message naming the line, before anything is made.
    func open(lxcpath: String) throws(BerthError) -> FileDescriptor {
        let pid: pid_t
        if let number = pid_t(target), number > 0 {
            pid = number
        } else {
            let other = try ContainerName(target)
            guard let running = MonitorClient(paths: ContainerPaths(lxcpath: lxcpath, name: other)).status().pid, running > 0 else {
                throw BerthError(.notRunning, "\(origin): \(target) is not running, so its \(name) namespace cannot be shared")
            }
            pid = running
        }
        let proc = NamespaceSet.names.first { $0.set == set }?.proc ?? name
        do throws(BerthError) { return try FileSystem.open("/proc/\(pid)/ns/\(proc)", O_RDONLY) } catch {
            throw BerthError.system("\(origin): opening the \(name) namespace of", "pid \(pid)", error.errno ?? .noSuchFileOrDirectory)
        }
    }

    /// Joins the namespace open at `fd`. For pid, this sets the namespace of the caller's future
    /// children (setns never moves the caller itself into another pid namespace).
    static func join(_ fd: FileDescriptor, _ share: NamespaceShare) throws(BerthError) {
        do throws(BerthError) { try Namespaces.join(fd, share.set, what: share.target) } catch {
            throw BerthError(error.code, "joining the shared \(share.name) namespace (\(share.origin)): \(error.message)", errno: error.errno)
        }
    }
}
