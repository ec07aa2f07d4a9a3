import SystemPackage

/// One terminal the monitor owns for a container: the console or a tty. It is a pty pair on
/// the host's devpts; the container gets the pty side bound onto /dev/console or /dev/ttyN,
/// the monitor keeps the controlling side and relays it to at most one berth-console client.
final class ConsolePort {
    let ptx: FileDescriptor
    /// The host path of the pty side (`/dev/pts/N`).
    let ptyPath: String
    /// The monitor's own descriptor of the pty side: while it is open, the controlling side never
    /// reports a hang-up, even when init closes and reopens its console.
    private let ptyHold: FileDescriptor?
    var client: FileDescriptor? {
        didSet { pending = [] }
    }
    /// Output for the client that its socket has not taken yet.
    private var pending: [UInt8] = []
    /// How far a client may fall behind before it is dropped: a client that stops reading (a
    /// SIGSTOPped berth-console under a flooding container) costs the monitor this much memory
    /// at most, and never a wait.
    static let pendingLimit = 1 << 20

    var hasPending: Bool { !pending.isEmpty }

    init() throws(BerthError) {
        (ptx, ptyPath) = try Terminal.openPty("/dev/ptmx")
        ptyHold = try? FileSystem.open(ptyPath, O_RDWR | O_NOCTTY)
        ptx.setNonBlocking()
    }

    /// A pty pair made in the container (a user namespace's own devpts): its controlling side
    /// and the monitor's hold on its other side, received from the container's first process.
    /// Both arrive close-on-exec (SetupChannel receives with MSG_CMSG_CLOEXEC), and the
    /// controlling side non-blocking (the child opens it so, see allocateTerminals): no flag is
    /// set here, five terminals on every start.
    init(adopting ptx: FileDescriptor, hold: FileDescriptor) {
        self.ptx = ptx
        ptyHold = hold
        ptyPath = ""
    }

    func resize(rows: Int, cols: Int) {
        guard rows > 0, cols > 0 else { return }
        Terminal.setSize(of: ptx, rows: UInt16(clamping: rows), cols: UInt16(clamping: cols))
    }

    /// Queues `bytes` for the client and writes what its socket takes now.
    func send(_ bytes: [UInt8]) {
        guard client != nil, !bytes.isEmpty else { return }
        pending += bytes
        flush()
    }

    /// Writes queued output as far as the client's socket takes it without waiting; drops the
    /// client when it has gone or is more than `pendingLimit` behind.
    func flush() {
        guard let client, !pending.isEmpty else { return }
        guard let written = client.writeAvailable(pending) else {
            dropClient()
            return
        }
        pending.removeFirst(written)
        if pending.count > ConsolePort.pendingLimit { dropClient() }
    }

    func dropClient() {
        if let client { client.closeQuietly() }
        client = nil
    }

    func close() {
        dropClient()
        ptx.closeQuietly()
        ptyHold?.closeQuietly()
    }
}
