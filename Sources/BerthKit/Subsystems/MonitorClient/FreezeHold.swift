import SystemPackage

/// A running container held frozen while its files are copied (snapshot, copy -a): the monitor
/// freezes it and thaws it when this hold's connection closes, also when the process holding it
/// is killed, so an interrupted snapshot never leaves a container frozen.
final class FreezeHold {
    private var fd: FileDescriptor?

    /// Freezes the container at `paths` if it runs; nil when it is stopped (nothing to hold).
    static func take(_ paths: ContainerPaths) throws(BerthError) -> FreezeHold? {
        guard let reply = try MonitorClient(paths: paths).send(.hold) else { return nil }
        reply.passedFD?.closeQuietly()
        return FreezeHold(fd: reply.fd)
    }

    private init(fd: FileDescriptor) { self.fd = fd }

    func release() {
        fd?.closeQuietly()
        fd = nil
    }

    deinit { release() }
}
