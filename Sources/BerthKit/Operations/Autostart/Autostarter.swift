/// berth-autostart: starts, stops, kills or reboots the containers of one or more lxcpaths
/// marked for it, as lxc-autostart does (for several lxcpaths, in one order across them all). `lxc.start.auto = 1` selects a container (unless told to ignore it);
/// `lxc.group` narrows the selection (by default only containers in no group); `lxc.start.order`
/// orders it, higher first when starting and the reverse when stopping; `lxc.start.delay` is the
/// pause after starting a container before the next. One container that fails does not stop the
/// rest; the result says which failed.
public struct Autostarter {
    public enum Action: Sendable, Equatable {
        case start
        /// A clean stop, killing what has not stopped after the timeout.
        case shutdown(timeout: Double?)
        case kill
        case reboot(timeout: Double?)
    }

    /// `-g`: the groups to select (`""` is the group of containers that name none); nil selects
    /// that empty group only, as LXC does. `-a` ignores groups; `-A` ignores lxc.start.auto.
    public struct Selection: Sendable {
        public var groups: [String]?
        public var allGroups = false
        public var ignoreAuto = false

        public init(groups: [String]? = nil, allGroups: Bool = false, ignoreAuto: Bool = false) {
            self.groups = groups
            self.allGroups = allGroups
            self.ignoreAuto = ignoreAuto
        }
    }

    /// A selected container with what orders and paces it.
    public struct Entry: Sendable {
        public let container: Container
        public let order: Int
        public let delay: Int
    }

    public let lxcpaths: [String]
    public let managedBridge: ManagedBridge?
    public var warn: (String) -> Void

    public init(lxcpaths: [String], managedBridge: ManagedBridge?, warn: @escaping (String) -> Void = { _ in }) {
        self.lxcpaths = lxcpaths
        self.managedBridge = managedBridge
        self.warn = warn
    }

    /// The containers `selection` picks, in the order `action` takes them. A container whose
    /// config cannot be read is reported through `warn` and left out.
    public func plan(_ selection: Selection, for action: Action) -> [Entry] {
        let wanted = Set(selection.groups ?? [""])
        var entries: [Entry] = []
        for container in lxcpaths.flatMap({ ContainerInventory.list(lxcpath: $0) }) {
            let config: ContainerConfig
            do throws(BerthError) { config = try container.loadConfig() } catch {
                warn("\(container.name): \(error.message)")
                continue
            }
            guard selection.ignoreAuto || config.autostart else { continue }
            let groups = config.groups
            guard selection.allGroups || (groups.isEmpty ? wanted.contains("") : !wanted.isDisjoint(with: groups)) else { continue }
            entries.append(Entry(container: container, order: config.startOrder, delay: config.startDelay))
        }
        // Higher lxc.start.order first, then by name (then lxcpath); stopping goes the other
        // way round.
        entries.sort {
            $0.order != $1.order ? $0.order > $1.order
                : $0.container.name != $1.container.name ? $0.container.name < $1.container.name
                : $0.container.paths.lxcpath < $1.container.paths.lxcpath
        }
        return action == .start ? entries : entries.reversed()
    }

    /// Carries out `action` on `entries`: the names that failed, with why.
    public func run(_ action: Action, on entries: [Entry]) -> [(ContainerName, String)] {
        var failed: [(ContainerName, String)] = []
        for (index, entry) in entries.enumerated() {
            do throws(BerthError) {
                switch action {
                case .start:
                    guard entry.container.queryState() == .stopped else { continue }
                    let starter = ContainerStarter(container: entry.container, mode: .daemon(pidfile: nil), managedBridge: managedBridge)
                    _ = try starter.start(warn: warn)
                    // The pause lets the container come up before the next (a database before
                    // its applications); none after the last one.
                    if entry.delay > 0 && index < entries.count - 1 { CurrentProcess.pause(seconds: Double(entry.delay)) }
                case .shutdown(let timeout):
                    _ = try ContainerStopper(container: entry.container).shutdown(timeout: timeout, noKill: false)
                case .kill:
                    _ = try ContainerStopper(container: entry.container).kill()
                case .reboot(let timeout):
                    _ = try ContainerStopper(container: entry.container).reboot(timeout: timeout)
                }
            } catch {
                failed.append((entry.container.name, error.message))
            }
        }
        return failed
    }
}
