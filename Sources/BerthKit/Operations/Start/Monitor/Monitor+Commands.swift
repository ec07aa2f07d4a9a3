/// The command server: each connection to the monitor's socket is checked (CommandSocket.Peer),
/// reads one request (MonitorRequest) and is answered; watches, holds, stop waiters and console
/// clients stay open and are served by the loop.
extension Monitor {
    func accept() {
        let fd = Glibc.accept(listenFD, nil, nil)
        guard fd >= 0 else { return }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        guard CommandSocket.Peer.isTrusted(fd) else {
            Descriptor.writeAll(fd, "err permission denied\n")
            close(fd)
            return
        }
        // A client that connects and says nothing must not stall the container's monitor.
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let line = Descriptor.readLine(fd, limit: 256), let request = MonitorRequest(line: line) else {
            Descriptor.writeAll(fd, "err unknown request\n")
            close(fd)
            return
        }
        handle(request, fd)
    }

    func handle(_ request: MonitorRequest, _ fd: Int32) {
        switch request {
        case .state:
            Descriptor.writeAll(fd, "ok \(state.rawValue) \(initPID)\n")
            close(fd)
        case .initPidfd:
            _ = UnixSocket.send(fd, Array("ok \(initPID)\n".utf8)[...], passing: initPidfd)
            close(fd)
        case .freeze, .thaw:
            let frozen = request == .freeze
            guard state == .running || state == .frozen else {
                Descriptor.writeAll(fd, "err the container is \(state.rawValue), not RUNNING\n")
                close(fd)
                return
            }
            do throws(BerthError) {
                try CgroupFreezer(cgroup: cgroup).set(frozen: frozen)
                setState(frozen ? .frozen : .running)
                Descriptor.writeAll(fd, "ok\n")
            } catch {
                Descriptor.writeAll(fd, "err \(error.message)\n")
            }
            close(fd)
        case .hold:
            guard state == .running || state == .frozen else {
                Descriptor.writeAll(fd, "err the container is \(state.rawValue), not RUNNING\n")
                close(fd)
                return
            }
            do throws(BerthError) {
                if holders.isEmpty { frozenBeforeHold = state == .frozen }
                if state == .running {
                    try CgroupFreezer(cgroup: cgroup).set(frozen: true)
                    setState(.frozen)
                }
                holders.append(fd)
                Descriptor.writeAll(fd, "ok\n")
            } catch {
                Descriptor.writeAll(fd, "err \(error.message)\n")
                close(fd)
            }
        case .halt:
            thawForStop()
            let sig = haltSignal()
            ProcessControl.signal(pidfd: initPidfd, sig)
            Descriptor.writeAll(fd, "ok \(sig)\n")
            close(fd)
        case .reboot:
            thawForStop()
            rebootRequested = true
            ProcessControl.signal(pidfd: initPidfd, plan.rebootSignal)
            Descriptor.writeAll(fd, "ok\n")
            close(fd)
        case .stop:
            thawForStop()
            stopRequested = true
            ProcessControl.signal(pidfd: initPidfd, plan.stopSignal)
            Descriptor.writeAll(fd, "ok\n")
            stopWaiters.append(fd)  // closed once the container is gone and cleaned up
        case .watch:
            Descriptor.writeAll(fd, "ok\nstate \(state.rawValue)\n")
            Descriptor.setNonBlocking(fd)
            watchers.append(fd)
        case .console(let tty, let rows, let cols):
            guard let port = tty == 0 ? console : (tty >= 1 && tty <= ttys.count ? ttys[tty - 1] : nil) else {
                let what = tty == 0 ? "the container has no console (lxc.console.path = none)" : "no tty \(tty) (lxc.tty.max = \(ttys.count))"
                Descriptor.writeAll(fd, "err \(what)\n")
                close(fd)
                return
            }
            guard port.client == nil, !(tty == 0 && options.foregroundConsole) else {
                Descriptor.writeAll(fd, "err \(tty == 0 ? "the console" : "tty \(tty)") is in use by another client\n")
                close(fd)
                return
            }
            Descriptor.writeAll(fd, "ok\n")
            port.resize(rows: rows, cols: cols)
            Descriptor.setNonBlocking(fd)
            port.client = fd
            // The replay goes through the client's bounded queue like any later output.
            if tty == 0 { port.send(ring.contents) }
        case .winch(let tty, let rows, let cols):
            let port = tty == 0 ? console : (tty >= 1 && tty <= ttys.count ? ttys[tty - 1] : nil)
            port?.resize(rows: rows, cols: cols)
            Descriptor.writeAll(fd, "ok\n")
            close(fd)
        }
    }

    func releaseHolds(_ released: [Int32]) {
        for fd in released { close(fd) }
        holders.removeAll { released.contains($0) }
        guard holders.isEmpty, !frozenBeforeHold, state == .frozen else { return }
        try? CgroupFreezer(cgroup: cgroup).set(frozen: false)
        setState(.running)
    }

    /// A frozen container cannot act on a signal (on v1 not even die of SIGKILL): thaw it first.
    func thawForStop() {
        for fd in holders { close(fd) }
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
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
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
