/// The points in a container's life where `lxc.hook.<stage>` programs run.
public enum HookStage: String, Sendable, CaseIterable {
    /// On the host, before anything is set up.
    case preStart = "pre-start"
    /// In the container's mount namespace, before the rootfs is mounted.
    case preMount = "pre-mount"
    /// In the container's mount namespace, after the mounts, before pivot_root.
    case mount
    /// Before /dev is populated (autodev).
    case autodev
    /// Inside the container, after pivot_root, just before init runs.
    case start
    /// On the host, once the container is set up and before init runs.
    case startHost = "start-host"
    /// On the host, after init ended, before cleanup.
    case stop
    /// On the host, after everything was cleaned up.
    case postStop = "post-stop"
}
