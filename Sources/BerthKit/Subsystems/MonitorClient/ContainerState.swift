/// The states LXC reports, with LXC's spelling.
public enum ContainerState: String, Sendable, CaseIterable {
    case stopped = "STOPPED"
    case starting = "STARTING"
    case running = "RUNNING"
    case stopping = "STOPPING"
    case aborting = "ABORTING"
    case freezing = "FREEZING"
    case frozen = "FROZEN"
    case thawed = "THAWED"

    /// True for every state in which the container has processes.
    public var isActive: Bool { self != .stopped }
}
