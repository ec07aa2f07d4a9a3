import SystemPackage

/// One poll(2) round over a set of descriptors: add each with the events wanted, wait, then ask
/// which ones are ready. Event loops (the monitor, the console and attach relays) build one per
/// round.
struct PollSet {
    /// What a descriptor waits for.
    struct Events: OptionSet {
        let rawValue: Int16
        static let readable = Events(rawValue: Int16(POLLIN))
        static let writable = Events(rawValue: Int16(POLLOUT))
    }

    private var entries: [pollfd] = []

    /// Adds `fd`, waiting for `events`: its index, for `isReady` after `wait`.
    @discardableResult
    mutating func add(_ fd: FileDescriptor, _ events: Events = .readable) -> Int {
        entries.append(pollfd(fd: fd.rawValue, events: events.rawValue, revents: 0))
        return entries.count - 1
    }

    /// Waits up to `milliseconds` (-1: for ever). The number of ready descriptors: 0 on
    /// timeout, nil on an error other than an interrupting signal (which also gives 0).
    mutating func wait(milliseconds: Int32 = -1) -> Int? {
        let n = poll(&entries, nfds_t(entries.count), milliseconds)
        if n < 0 { return errno == EINTR ? 0 : nil }
        return Int(n)
    }

    /// True when the descriptor at `index` had any event (hang-up and errors included).
    func isReady(_ index: Int) -> Bool { entries[index].revents != 0 }

    /// True when the descriptor at `index` can take output now.
    func isWritable(_ index: Int) -> Bool { entries[index].revents & Int16(POLLOUT) != 0 }

    /// True when the descriptor at `index` had an event other than "can take output" (input,
    /// hang-up, error).
    func hasInputOrHangUp(_ index: Int) -> Bool { entries[index].revents & ~Int16(POLLOUT) != 0 }
}
