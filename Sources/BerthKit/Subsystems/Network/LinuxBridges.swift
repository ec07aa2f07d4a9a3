import Synchronization

/// Which host interfaces are Linux bridges, asked of sysfs once per process and name, and
/// remembered only when they are: berth-start asks about the managed bridge before it forks the
/// monitor, and the monitor, which asks again to put the container's veths on it, inherits the
/// answer instead of walking sysfs a second time (every sysfs walk waits while another start's
/// network devices are being registered; see NetworkControl.index(named:)).
///
/// Only a bridge is remembered, with its index: a name that is not one yet may be made one
/// (ManagedBridge.ensure) and is asked again. A remembered answer holds while the name still
/// has that index (asked by name, which takes no sysfs walk): a process that starts several
/// containers (berth-autostart) finds a bridge removed or made again meanwhile, as the kernel
/// never hands out an index twice in a namespace until its counter wraps.
enum LinuxBridges {
    private static let known = Mutex<[String: Int32]>([:])

    /// The interface index of the Linux bridge `name`, nil when no Linux bridge has that name.
    static func index(named name: String) -> Int32? {
        if let index = known.withLock({ $0[name] }) {
            if NetworkControl.index(named: name) == index { return index }
            forget(name)
        }
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"),
              FileSystem.isDirectory("/sys/class/net/\(name)/bridge"),
              let index = NetworkControl.index(named: name) else { return nil }
        known.withLock { $0[name] = index }
        return index
    }

    /// Forgets `name`: it no longer has the index remembered for it.
    private static func forget(_ name: String) {
        _ = known.withLock { $0.removeValue(forKey: name) }
    }
}
