/// The per-container lock every changing operation takes, so two commands racing on one name
/// (two creates, a create and a destroy) cannot interleave. It lives beside the container as
/// `<lxcpath>/.<name>.lock`, so a private lxcpath keeps all of a container's state in one place.
public enum ContainerLock {
    /// How long a command waits for another one holding the same container.
    public static let defaultTimeout: Double = 10

    public static func acquire(_ paths: ContainerPaths, timeout: Double? = defaultTimeout) throws(BerthError) -> FileLock {
        try FileSystem.makeDirectories(paths.lxcpath)
        return try FileLock.acquire(paths.lock, timeout: timeout, what: "container \(paths.name)")
    }
}
