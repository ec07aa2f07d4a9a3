import SystemPackage

/// The command server: each connection to the monitor's socket is checked (CommandSocket.Peer),
/// reads one request (MonitorRequest) and is answered; watches, holds, stop waiters and console
/// clients stay open and are served by the loop.
extension Monitor {
    func accept() {
        guard let fd = UnixSocket.accept(listenFD) else { return }
        guard CommandSocket.Peer.isTrusted(fd) else {
            fd.writeFully("err permission denied\n")
            fd.closeQuietly()
            return
        }
        // A client that connects and says nothing must not stall the container's monitor.
        UnixSocket.setReceiveTimeout(fd, seconds: 1)
        guard let line = fd.readLine(limit: 256), let request = MonitorRequest(line: line) else {
            fd.writeFully("err unknown request\n")
            fd.closeQuietly()
            return
        }
        handle(request, fd)
    }

    func handle(_ request: MonitorRequest, _ fd: FileDescriptor) {
        switch request {
        case .state:
            fd.writeFully("ok \(MonitorStatus.words(state: state, pid: initPID, cgroupDirectories: reportedCgroup?.directories, cgroupInner: reportedCgroup?.inner))\n")
            fd.closeQuietly()
        case .initPidfd:
            _ = UnixSocket.send(fd, Array("ok \(MonitorStatus.words(state: nil, pid: initPID, cgroupDirectories: reportedCgroup?.directories, cgroupInner: reportedCgroup?.inner))\n".utf8)[...], passing: initPidfd)
            fd.closeQuietly()
        case .freeze, .thaw:
            let frozen = request == .freeze
            guard state == .running || state == .frozen else {
                fd.writeFully("err the container is \(state.rawValue), not RUNNING\n")
                fd.closeQuietly()
                return
            }
            do throws(BerthError) {
                try CgroupFreezer(cgroup: cgroup).set(frozen: frozen)
                setState(frozen ? .frozen : .running)
                fd.writeFully("ok\n")
            } catch {
                fd.writeFully("err \(error.message)\n")
            }
            fd.closeQuietly()
        case .hold:
            guard state == .running || state == .frozen else {
                fd.writeFully("err the container is \(state.rawValue), not RUNNING\n")
                fd.closeQuietly()
                return
            }
            do throws(BerthError) {
                if holders.isEmpty { frozenBeforeHold = state == .frozen }
                if state == .running {
                    try CgroupFreezer(cgroup: cgroup).set(frozen: true)
                    setState(.frozen)
                }
                holders.append(fd)
                fd.writeFully("ok\n")
            } catch {
                fd.writeFully("err \(error.message)\n")
                fd.closeQuietly()
            }
        case .halt:
            thawForStop()
            let sig = haltSignal()
            signalInit(sig)
            fd.writeFully("ok \(sig)\n")
            fd.closeQuietly()
        case .reboot:
            thawForStop()
            rebootRequested = true
            signalInit(plan.rebootSignal)
            fd.writeFully("ok\n")
            fd.closeQuietly()
        case .stop:
            thawForStop()
            stopRequested = true
            signalInit(plan.stopSignal)
            fd.writeFully("ok\n")
            stopWaiters.append(fd)  // closed once the container is gone and cleaned up
        case .watch:
            fd.writeFully("ok\nstate \(state.rawValue)\n")
            fd.setNonBlocking()
            watchers.append(fd)
        case .console(let tty, let rows, let cols):
            guard let port = tty == 0 ? console : (tty >= 1 && tty <= ttys.count ? ttys[tty - 1] : nil) else {
                let what = tty == 0 ? "the container has no console (lxc.console.path = none)" : "no tty \(tty) (lxc.tty.max = \(ttys.count))"
                fd.writeFully("err \(what)\n")
                fd.closeQuietly()
                return
            }
            guard port.client == nil, !(tty == 0 && options.foregroundConsole) else {
                fd.writeFully("err \(tty == 0 ? "the console" : "tty \(tty)") is in use by another client\n")
                fd.closeQuietly()
                return
            }
            fd.writeFully("ok\n")
            port.resize(rows: rows, cols: cols)
            fd.setNonBlocking()
            port.client = fd
            // The replay goes through the client's bounded queue like any later output.
            if tty == 0 { port.send(ring.contents) }
        case .winch(let tty, let rows, let cols):
            let port = tty == 0 ? console : (tty >= 1 && tty <= ttys.count ? ttys[tty - 1] : nil)
            port?.resize(rows: rows, cols: cols)
            fd.writeFully("ok\n")
            fd.closeQuietly()
        }
    }

    func releaseHolds(_ released: [FileDescriptor]) {
        for fd in released { fd.closeQuietly() }
        holders.removeAll { released.contains($0) }
        guard holders.isEmpty, !frozenBeforeHold, state == .frozen else { return }
        try? CgroupFreezer(cgroup: cgroup).set(frozen: false)
        setState(.running)
    }

    /// A frozen container cannot act on a signal (on v1 not even die of SIGKILL): thaw it first.
    func thawForStop() {
        for fd in holders { fd.closeQuietly() }
        holders = []
        guard state == .frozen else { return }
        try? CgroupFreezer(cgroup: cgroup).set(frozen: false)
        setState(.running)
    }

    /// `lxc.signal.halt`, else SIGRTMIN+3 for an init that blocks it (systemd, which waits for it
    /// on a signalfd), else SIGPWR, as LXC decides.
    func haltSignal() -> Int32 {
        if let configured = plan.haltSignal { return configured }
        let rtmin3: Int32 = 34 + 3
        if let status = try? FileSystem.readText("/proc/\(initPID)/status"),
           let line = status.splitBytes(UInt8(ascii: "\n")).first(where: { $0.startsWithBytes("SigBlk:") }),
           let mask = UInt64(line.dropFirst(7).trimmingSpaces, radix: 16),
           mask & (UInt64(1) << UInt64(rtmin3 - 1)) != 0 {
            return rtmin3
        }
        return SIGPWR
    }
}

extension Substring {
    var trimmingSpaces: String { String(drop(while: { $0 == " " || $0 == "\t" })) }
}
