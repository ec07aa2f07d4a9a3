import SystemPackage

/// One message of the start handshake between the monitor and the container's first process,
/// over the socketpair the monitor makes before the clone (`SetupChannel`). Every step of the
/// handshake is one case here; the order a start goes through them:
///
///     monitor                         child (the container's first process)
///     (clone) ─────────────────────▶  waits, in a user namespace, for its maps
///     mapped(tree), upperLayer ────▶  becomes the namespace's root, mounts the rootfs
///                               ◀───  terminal, terminalHold (per pty, user namespaces only)
///                               ◀───  ready (rootfs built, pivoted, capabilities dropped)
///     (start-host hooks, devices)
///     go ──────────────────────────▶  start hooks, exec of init
///                               ◀───  end of file (the socket is close-on-exec): init runs
///
/// With no start-host hooks and no device rules to apply between `ready` and `go`, the monitor
/// sends `go` once the network is up, before it reads the terminals and `ready`; the child reads
/// it after `ready` all the same.
///
/// Either side may end the handshake early: the child with `failed(why)`, the monitor by closing
/// its end (the child then exits).
enum SetupMessage: Equatable, Sendable {
    /// The user namespace's maps are written. With the idmapped tree the child attaches as its
    /// rootfs (an overlay's lower layer), or none when the rootfs is used as it is.
    case mapped(tree: FileDescriptor?)
    /// An overlay's idmapped upper directory (after `mapped`, overlay rootfs only).
    case upperLayer(FileDescriptor)
    /// The controlling side of a terminal the container made in its own devpts.
    case terminal(FileDescriptor)
    /// The other side of that terminal, which the monitor keeps open.
    case terminalHold(FileDescriptor)
    /// The rootfs is ready; the child waits for `go`.
    case ready
    /// Run init.
    case go
    /// A step failed; the child exits after sending it.
    case failed(String)

    /// The word on the wire.
    var word: String {
        switch self {
        case .mapped: return "mapped"
        case .upperLayer: return "upper"
        case .terminal: return "pty"
        case .terminalHold: return "hold"
        case .ready: return "ready"
        case .go: return "go"
        case .failed: return "error"
        }
    }

    /// The descriptor that travels with the message (SCM_RIGHTS), if any.
    var descriptor: FileDescriptor? {
        switch self {
        case .mapped(let tree): return tree
        case .upperLayer(let fd), .terminal(let fd), .terminalHold(let fd): return fd
        case .ready, .go, .failed: return nil
        }
    }

    /// One line: the word, for `failed` a blank and the reason (line breaks made blanks, so the
    /// reason cannot end the message early).
    var line: String {
        guard case .failed(let why) = self else { return word }
        return "error " + String(why.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }

    /// The message a received line and descriptor make; nil for a line no message has, or a
    /// message whose descriptor is missing.
    init?(line: String, descriptor: FileDescriptor?) {
        switch line {
        case "mapped": self = .mapped(tree: descriptor)
        case "upper": guard let descriptor else { return nil }; self = .upperLayer(descriptor)
        case "pty": guard let descriptor else { return nil }; self = .terminal(descriptor)
        case "hold": guard let descriptor else { return nil }; self = .terminalHold(descriptor)
        case "ready": self = .ready
        case "go": self = .go
        default:
            guard line.hasPrefix("error ") else { return nil }
            self = .failed(String(line.dropFirst("error ".count)))
        }
    }
}
