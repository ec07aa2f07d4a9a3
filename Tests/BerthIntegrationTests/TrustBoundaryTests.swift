import Foundation
import Testing
import BerthKit
import CBerthLinux

/// The host side of the trust boundary: what a container's root (privileged or not), a local
/// user or an image does must not reach the host through the administrator's own commands.
/// Every test plays the attacker for real, on this kernel, and checks a host sentinel.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct TrustBoundaryTests {
    /// A host directory with one file the attacks aim at; `intact` says whether it is as made.
    struct Sentinel {
        let directory: String
        init(_ box: Sandbox) throws {
            directory = box.root + "/sentinel"
            try box.sh("mkdir -p '\(directory)' && printf untouched > '\(directory)/hostname' && chmod 0644 '\(directory)/hostname'")
        }
        func intact(_ box: Sandbox) -> Bool {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return names == ["hostname"] && box.text(directory + "/hostname") == "untouched"
        }
    }

    /// The ways a container's root points its /etc at a host path: absolute, relative with
    /// enough `..` to leave any rootfs, through /proc/self/root, and a chain of two links.
    static func plantings(_ target: String) -> [(String, String)] {
        [("absolute", "rm -rf /etc && ln -s \(target) /etc"),
         ("relative", "rm -rf /etc && ln -s ../../../../../../../../../..\(target) /etc"),
         ("proc-root", "rm -rf /etc && ln -s /proc/self/root\(target) /etc"),
         ("chain", "rm -rf /etc && ln -s /hop /etc && ln -s \(target) /hop")]
    }

    @Test(arguments: [0, 1, 2, 3])
    func symlinksPlantedByARunningContainerLeadNowhere(variant: Int) throws {
        let box = try Sandbox.withBusybox("c")
        let sentinel = try Sentinel(box)
        let (label, planting) = Self.plantings(sentinel.directory)[variant]
        try box.ok("start", ["-n", "c"])
        // The container's root plants the link from inside, as an attacker would.
        try box.ok("attach", ["-n", "c", "--", "/bin/sh", "-c", planting])
        // A copy of the running container (frozen for the moment), then the stopped one's
        // snapshot, restores over it and as a new one, copies, clones, a rename, an ephemeral.
        try box.ok("copy", ["-n", "c", "-N", "running-copy", "-a"])
        try box.ok("stop", ["-n", "c", "-k"])
        try box.ok("snapshot", ["-n", "c"])
        try box.ok("snapshot", ["-n", "c", "-r", "snap0"])
        try box.ok("snapshot", ["-n", "c", "-r", "snap0", "-N", "restored"])
        try box.ok("start", ["-n", "c"])
        try box.ok("copy", ["-n", "c", "-N", "running-clone", "-a", "-s"])
        try box.ok("stop", ["-n", "c", "-k"])
        try box.ok("copy", ["-n", "c", "-N", "copy"])
        try box.ok("copy", ["-n", "c", "-N", "clone", "-s"])
        try box.ok("clone", ["c", "legacy-clone"])
        try box.ok("copy", ["-n", "copy", "-N", "renamed", "-R"])
        try box.ok("copy", ["-n", "c", "-N", "eph", "-e"])
        try box.ok("stop", ["-n", "eph", "-k"])
        #expect(sentinel.intact(box), "\(label): the host sentinel was written through the container's symlink")
        // A clone of the clone, and destroys of everything (the trees hold the links).
        try box.ok("copy", ["-n", "clone", "-N", "clone2", "-s"])
        for name in ["clone2", "clone", "running-clone", "legacy-clone", "running-copy", "renamed", "restored"] {
            try box.ok("destroy", ["-n", name])
        }
        try box.ok("destroy", ["-n", "c", "-s"])
        #expect(sentinel.intact(box), "\(label): the host sentinel was touched by a clone or a destroy")
        #expect(box.entries().filter { !$0.hasPrefix(".") }.isEmpty, "\(box.entries())")
        box.expectClean("c")
    }

    /// A link that stays inside the container is followed inside it: the copy's hostname lands
    /// in the file the guest's /etc/hostname names, in the copy, not in the source.
    @Test func aLinkInsideTheRootfsIsFollowedInsideIt() throws {
        let box = try Sandbox.withBusybox("c")
        let rootfs = box.lxcpath + "/c/rootfs"
        try box.sh("mv '\(rootfs)/etc' '\(rootfs)/real-etc' && ln -s /real-etc '\(rootfs)/etc'")
        try box.ok("copy", ["-n", "c", "-N", "copy"])
        try box.ok("copy", ["-n", "c", "-N", "clone", "-s"])
        #expect(box.text(box.lxcpath + "/copy/rootfs/real-etc/hostname") == "copy\n")
        #expect(box.text(box.lxcpath + "/c/rootfs/real-etc/hostname") == "c\n", "the source keeps its name")
        #expect(box.text(box.lxcpath + "/copy/rootfs/real-etc/hosts")?.contains("127.0.1.1 copy\n") == true)
        // The clone's upper layer gets the directory the link leads to, not an /etc of its own
        // that would hide the link and the rest of the guest's files behind it.
        #expect(box.text(box.lxcpath + "/clone/overlay/delta/real-etc/hostname") == "clone\n")
        #expect(!FileManager.default.fileExists(atPath: box.lxcpath + "/clone/overlay/delta/etc"))
        try box.ok("start", ["-n", "clone"])
        #expect(try box.ok("attach", ["-n", "clone", "--", "/bin/sh", "-c", "cat /etc/hostname; grep -c '^root:' /etc/passwd; grep -c ' clone$' /etc/hosts"]).stdout == "clone\n1\n1\n")
        try box.ok("stop", ["-n", "clone", "-k"])
        box.expectClean("clone")
    }

    /// A guest that made its /etc unreachable (a plain file, a loop of links, a deleted /etc in
    /// an overlay clone) has nothing to rename: its copies are made, and nothing is written for it.
    @Test func anUnreachableEtcIsLeftAlone() throws {
        let box = try Sandbox.withBusybox("c")
        // In an overlay clone the guest's `rm -r /etc` leaves a whiteout in the upper layer,
        // which hides the lower layer's /etc: nothing is written through it by a copy or a rename.
        try box.ok("copy", ["-n", "c", "-N", "gone", "-s"])
        let gone = box.lxcpath + "/gone/overlay/delta/etc"
        try box.sh("rm -r '\(gone)' && mknod '\(gone)' c 0 0")
        try box.ok("copy", ["-n", "gone", "-N", "gone-clone", "-s"])
        try box.ok("copy", ["-n", "gone-clone", "-N", "gone-renamed", "-R"])
        let whiteout = try FileManager.default.attributesOfItem(atPath: box.lxcpath + "/gone-renamed/overlay/delta/etc")
        #expect(whiteout[.type] as? FileAttributeType == .typeCharacterSpecial)
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.lxcpath + "/gone-renamed/overlay/delta") == ["etc"])
        let rootfs = box.lxcpath + "/c/rootfs"
        try box.sh("mv '\(rootfs)/etc' '\(rootfs)/real-etc' && printf x > '\(rootfs)/etc'")
        try box.ok("copy", ["-n", "c", "-N", "file-copy"])
        try box.ok("copy", ["-n", "c", "-N", "file-clone", "-s"])
        #expect(box.text(box.lxcpath + "/file-copy/rootfs/etc") == "x")
        #expect(!FileManager.default.fileExists(atPath: box.lxcpath + "/file-clone/overlay/delta/etc"))
        try box.sh("rm '\(rootfs)/etc' && ln -s etc2 '\(rootfs)/etc' && ln -s etc '\(rootfs)/etc2'")
        try box.ok("copy", ["-n", "c", "-N", "loop-copy"])
        try box.ok("copy", ["-n", "c", "-N", "loop-clone", "-s"])
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: box.lxcpath + "/loop-copy/rootfs/etc")) == "etc2")
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.lxcpath + "/loop-clone/overlay/delta").isEmpty)
        for name in ["file-copy", "file-clone", "loop-copy", "loop-clone", "gone", "gone-renamed"] { try box.ok("destroy", ["-n", name]) }
    }

    /// A rootfs tarball is as hostile as a container: its /etc a link to a host directory.
    @Test func aMaliciousLocalTarballWritesNothingOnTheHost() throws {
        let box = try Sandbox()
        let sentinel = try Sentinel(box)
        for (index, (label, _)) in Self.plantings(sentinel.directory).enumerated() {
            let image = box.root + "/image\(index)"
            let target = label == "relative" ? "../../../../../../../../../..\(sentinel.directory)" : label == "proc-root" ? "/proc/self/root\(sentinel.directory)" : sentinel.directory
            // /etc as a link, then a second member written through it: etc/hostname.
            try box.sh("mkdir -p '\(image)/a/bin' '\(image)/b/etc' && ln -s '\(target)' '\(image)/a/etc' && printf evil > '\(image)/b/etc/hostname' && tar -cf '\(image).tar' -C '\(image)/a' etc bin && tar -rf '\(image).tar' -C '\(image)/b' etc/hostname")
            _ = try box.run("create", ["-n", "t\(index)", "-t", "local", "--", "--file", image + ".tar", "--no-config"])
            #expect(sentinel.intact(box), "\(label): the tarball reached the host")
            _ = try box.run("destroy", ["-n", "t\(index)"])
        }
        #expect(sentinel.intact(box))
    }

    /// Nothing the caller has open (here fd 9, a host directory) reaches the container through
    /// attach, execute, start -F or a hook.
    @Test func inheritedDescriptorsStayOnTheHost() throws {
        let box = try Sandbox.withBusybox("c")
        let sentinel = try Sentinel(box)
        let tools = binDirectory
        let hookOutput = box.root + "/hook-fds"
        try box.sh("echo 'lxc.hook.pre-start = /bin/sh -c \"ls /proc/self/fd > \(hookOutput)\"' >> '\(box.lxcpath)/c/config'")
        func withFD9(_ command: String) throws -> RunResult {
            try box.run(executable: "/bin/sh", ["-c", "exec 9<'\(sentinel.directory)'; \(command)"])
        }
        let started = try withFD9("'\(tools)/berth-start' -P '\(box.lxcpath)' -n c")
        try #require(started.status == 0, "\(started.stderr)")
        #expect(box.text(hookOutput) == "0\n1\n2\n3\n", "the hook saw: \(box.text(hookOutput) ?? "")")
        // Inside: every descriptor of init and of an attached command.
        let attached = try withFD9("'\(tools)/berth-attach' -P '\(box.lxcpath)' -n c -- /bin/sh -c 'ls /proc/self/fd; ls -l /proc/1/fd'")
        #expect(attached.status == 0, "\(attached.stderr)")
        #expect(attached.stdout.hasPrefix("0\n1\n2\n3\n"), "attach: \(attached.stdout)")
        #expect(!attached.stdout.contains(sentinel.directory), "\(attached.stdout)")
        try box.ok("stop", ["-n", "c", "-k"])
        // berth-execute: the tiny init (PID 1, which never execs) and the command.
        let executed = try withFD9("'\(tools)/berth-execute' -P '\(box.lxcpath)' -n c -- /bin/sh -c 'ls /proc/self/fd; ls -l /proc/1/fd'")
        #expect(executed.status == 0, "\(executed.stderr)")
        #expect(executed.stdout.hasPrefix("0\n1\n2\n3\n"), "execute: \(executed.stdout)")
        #expect(!executed.stdout.contains(sentinel.directory) && !executed.stdout.contains("socket:"), "execute: \(executed.stdout)")
        // berth-start -F: init itself lists its descriptors and ends.
        let foreground = try withFD9("'\(tools)/berth-start' -P '\(box.lxcpath)' -n c -F -- /bin/sh -c 'ls -1 /proc/self/fd; sleep 0.3' </dev/null")
        #expect(foreground.stdout.replacingOccurrences(of: "\r", with: "").contains("0\n1\n2\n3\n"), "start -F: \(foreground.stdout.debugDescription) \(foreground.stderr)")
        #expect(!foreground.stdout.contains("9"), "start -F: \(foreground.stdout.debugDescription)")
        box.expectClean("c")
    }

    /// A process already in an unprivileged container watches every process that appears
    /// while attaches run: it can open no descriptor of theirs and no executable of the host's.
    @Test func aWatcherInsideSeesNothingOfTheAttachHelper() throws {
        let box = try Sandbox()
        try box.ok("create", ["-n", "u", "-t", "busybox", "--unprivileged"])
        let sentinel = try Sentinel(box)
        try box.ok("start", ["-n", "u"])
        let watcher = """
            i=0; while [ ! -e /tmp/watch-stop ] && [ $i -lt 3000 ]; do for p in /proc/[0-9]*; do
              ls -l $p/fd/ 2>/dev/null | grep -- '->' >> /tmp/seen-fds
              readlink $p/exe >> /tmp/seen-exe 2>/dev/null
            done; i=$((i+1)); done; touch /tmp/watch-done
            """
        try box.ok("attach", ["-n", "u", "--", "/bin/sh", "-c", "(\(watcher)) </dev/null >/dev/null 2>&1 &"])
        for _ in 0..<20 {
            _ = try box.run(executable: "/bin/sh", ["-c", "exec 9<'\(sentinel.directory)'; '\(binDirectory)/berth-attach' -P '\(box.lxcpath)' -n u -- /bin/sleep 0.05"])
        }
        try box.ok("attach", ["-n", "u", "--", "/bin/sh", "-c", "touch /tmp/watch-stop; while [ ! -e /tmp/watch-done ]; do sleep 0.1; done"])
        let fds = try box.ok("attach", ["-n", "u", "--", "cat", "/tmp/seen-fds"]).stdout
        let exes = try box.ok("attach", ["-n", "u", "--", "cat", "/tmp/seen-exe"]).stdout
        #expect(!fds.isEmpty, "the watcher saw its own descriptors at least")
        #expect(!fds.contains(sentinel.directory), "a descriptor of the caller was seen inside: \(fds)")
        #expect(!exes.contains("berth"), "the host's berth binary was opened from inside: \(exes)")
        try box.ok("stop", ["-n", "u", "-k"])
        box.expectClean("u")
    }

    /// The monitor's socket: another local user can neither take a stopped container's name
    /// (the abstract-socket squat) nor reach a running container's monitor; a privileged
    /// container in the host's network namespace cannot reach any monitor.
    @Test func onlyTheRealMonitorAnswersAndNoContainerReachesOne() throws {
        let box = try Sandbox.withBusybox("c")
        var generator = SystemRandomNumberGenerator()
        let user = "bq" + String(UInt32.random(in: 0..<0xffffff, using: &generator), radix: 16)
        try box.sh("useradd -M -d /nonexistent -s /bin/sh \(user)")
        defer { _ = try? box.run(executable: "/bin/sh", ["-c", "userdel \(user)"]) }
        // The squatter binds the name the abstract namespace used to carry, and waits.
        let probe = box.root + "/sockprobe"
        try #require(try Self.buildSocketProbe(at: probe, box: box), "a C compiler and a static libc (libc6-dev) build the probe")
        // (su stays the parent of what it runs: the squatter's own pid is what gets killed.)
        let pidFile = box.root + "/squatter.pid"
        try box.sh("touch '\(pidFile)' && chown \(user) '\(pidFile)'")
        let squatter = try box.start(executable: "/bin/su", [user, "-s", "/bin/sh", "-c", "echo $$ > '\(pidFile)'; exec '\(probe)' squat 'berth\(box.lxcpath)/c/command' 20"])
        try #require(eventually(tries: 1000) { (box.text(pidFile).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0) > 0 })
        let squatterPID = Int32((box.text(pidFile) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        var reaped = false
        defer { if !reaped { kill(squatterPID, SIGKILL); _ = try? box.finish(squatter) } }
        usleep(200_000)
        #expect(try box.run("info", ["-n", "c", "-sH"]).stdout == "STOPPED\n")
        try box.ok("start", ["-n", "c"])
        #expect(try box.run("info", ["-n", "c", "-sH"]).stdout == "RUNNING\n")
        // The user cannot see or reach the runtime directory, nor plant one for root.
        let socketPath = try box.sh("ls /run/berth/c.*.sock").trimmingCharacters(in: .whitespacesAndNewlines)
        let reach = try box.run(executable: "/bin/su", [user, "-s", "/bin/sh", "-c", "ls /run/berth; '\(probe)' ask '\(socketPath)' state"])
        #expect(!reach.stdout.contains("ok RUNNING") && reach.stderr.contains("Permission denied"), "\(reach.stdout) \(reach.stderr)")
        #expect(try box.sh("stat -c %a:%u /run/berth") == "700:0\n")
        kill(squatterPID, SIGKILL)
        _ = try box.finish(squatter)
        reaped = true

        // A privileged container in the host's network namespace: no abstract name of Berth's
        // is listed, /run/berth is not there, and a bind of it does not get it an answer.
        try box.sh("printf 'lxc.net.0.type = none\\nlxc.mount.entry = /run/berth run/berth none bind,create=dir 0 0\\n' >> '\(box.lxcpath)/c/config'")
        try box.ok("stop", ["-n", "c", "-k"])
        try box.ok("create", ["-n", "victim", "-t", "busybox"])
        try box.ok("start", ["-n", "victim"])
        try box.ok("start", ["-n", "c"])
        let unixSockets = try box.ok("attach", ["-n", "c", "--", "cat", "/proc/net/unix"]).stdout
        #expect(!unixSockets.contains("@berth\(box.lxcpath)"), "an abstract Berth socket is reachable from the host's netns")
        // Through the bind mount the socket file is there; the monitor refuses the container.
        let victimSocket = try box.sh("ls /run/berth | grep '^victim\\.' | grep 'sock$'").trimmingCharacters(in: .whitespacesAndNewlines)
        try box.sh("cp '\(probe)' '\(box.lxcpath)/c/rootfs/sockprobe'")
        let asked = try box.run("attach", ["-n", "c", "--", "/sockprobe", "ask", "/run/berth/\(victimSocket)", "state"])
        #expect(!asked.stdout.contains("ok RUNNING") && asked.stdout.contains("err permission denied"), "the container got an answer: \(asked.stdout) \(asked.stderr)")
        #expect(try box.run("info", ["-n", "victim", "-sH"]).stdout == "RUNNING\n")
        try box.ok("stop", ["-n", "c", "-k"])
        try box.ok("stop", ["-n", "victim", "-k"])
        box.expectClean("c")
        box.expectClean("victim")
    }

    /// berth-wait takes a state from a monitor's lock file only when the file is the monitor's
    /// own: a regular file of the runtime directory's owner, reached without a symlink, and
    /// locked by another open file description (as a monitor holds it). A symlink to a locked
    /// decoy and a locked file of another user are not believed; the same line in a locked
    /// file of root's is, which shows that the checks, not the line, made the difference.
    @Test func aStateMarkIsBelievedOnlyFromTheMonitorsOwnLockFile() throws {
        let box = try Sandbox.withBusybox("m")
        let lockPath = CommandSocket(paths: ContainerPaths(lxcpath: box.lxcpath, name: try ContainerName("m"))).lockPath
        defer { unlink(lockPath) }
        let line = "4242 RUNNING \n"
        // Each file is held as a monitor holds its lock file, by a description of this process.
        func locked(_ path: String) throws -> Int32 {
            let fd = open(path, O_RDWR)
            try #require(fd >= 0 && berth_ofd_lock(fd, 1) == 0, "lock \(path)")
            return fd
        }
        let decoy = box.root + "/decoy"
        try line.write(toFile: decoy, atomically: false, encoding: .utf8)
        let decoyFD = try locked(decoy)
        defer { close(decoyFD) }
        unlink(lockPath)
        try #require(symlink(decoy, lockPath) == 0)
        #expect(try box.run("wait", ["-n", "m", "-s", "RUNNING", "-t", "1"]).status == 1, "a symlink to a locked decoy was believed")

        unlink(lockPath)
        try line.write(toFile: lockPath, atomically: false, encoding: .utf8)
        let lockFD = try locked(lockPath)
        defer { close(lockFD) }
        try #require(chown(lockPath, 65534, 65534) == 0)
        #expect(try box.run("wait", ["-n", "m", "-s", "RUNNING", "-t", "1"]).status == 1, "another user's locked file was believed")
        try #require(chown(lockPath, 0, 0) == 0)
        #expect(try box.run("wait", ["-n", "m", "-s", "RUNNING", "-t", "1"]).status == 0, "root's locked file with a whole line")
        #expect(try box.run("wait", ["-n", "m", "-s", "STOPPED", "-t", "1"]).status == 0)
    }

    /// A static program: `squat NAME SECONDS` binds and holds the abstract socket NAME;
    /// `ask PATH REQUEST` connects to the socket PATH, sends REQUEST and prints the reply.
    static func buildSocketProbe(at path: String, box: Sandbox) throws -> Bool {
        try box.compileStatic("""
            #include <stdio.h>
            #include <string.h>
            #include <unistd.h>
            #include <stdlib.h>
            #include <stddef.h>
            #include <signal.h>
            #include <sys/socket.h>
            #include <sys/un.h>
            int main(int argc, char **argv) {
                if (argc < 4) return 2;
                struct sockaddr_un a;
                memset(&a, 0, sizeof(a));
                a.sun_family = AF_UNIX;
                int fd = socket(AF_UNIX, SOCK_STREAM, 0);
                if (!strcmp(argv[1], "squat")) {
                    size_t n = strlen(argv[2]);
                    memcpy(a.sun_path + 1, argv[2], n);
                    if (bind(fd, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 1 + n) || listen(fd, 8)) { perror("bind"); return 1; }
                    sleep(atoi(argv[3]));
                    return 0;
                }
                strncpy(a.sun_path, argv[2], sizeof(a.sun_path) - 1);
                if (connect(fd, (struct sockaddr *)&a, sizeof(a))) { perror("connect"); return 1; }
                char line[256];
                snprintf(line, sizeof(line), "%s\\n", argv[3]);
                // A monitor that refuses answers and closes at once: the write may fail, the
                // answer is still there to read.
                signal(SIGPIPE, SIG_IGN);
                if (write(fd, line, strlen(line)) < 0) perror("write");
                ssize_t got = read(fd, line, sizeof(line) - 1);
                if (got > 0) { line[got] = 0; printf("%s", line); }
                return 0;
            }
            """, to: path)
    }

    /// A setuid-root file the container's root plants is out of every other host user's reach,
    /// and a layout that would expose one is refused, naming the directory.
    @Test func setuidFilesOfAContainerStayOutOfHostUsersReach() throws {
        let box = try Sandbox()
        try box.ok("create", ["-n", "u", "-t", "busybox", "--unprivileged"])
        try box.ok("start", ["-n", "u"])
        try box.ok("attach", ["-n", "u", "--", "/bin/sh", "-c", "cp /bin/busybox /suid && chmod 4755 /suid"])
        let planted = box.lxcpath + "/u/rootfs/suid"
        #expect(try box.sh("stat -c %u:%a '\(planted)'") == "0:4755\n", "on disk the file is root's and setuid")
        let tried = try box.run(executable: "/bin/su", ["nobody", "-s", "/bin/sh", "-c", "'\(planted)' id -u"])
        #expect(tried.status != 0 && tried.stderr.contains("Permission denied"), "a host user ran it: \(tried.stdout) \(tried.stderr)")
        try box.ok("stop", ["-n", "u", "-k"])
        box.expectClean("u")
        // --dir under directories every user can pass: refused before anything is made.
        try box.sh("mkdir -p '\(box.root)/open/rootfs-parent' && chmod 755 '\(box.root)' '\(box.root)/open' '\(box.root)/open/rootfs-parent'")
        let exposed = try box.run("create", ["-n", "x", "-t", "busybox", "--dir", box.root + "/open/rootfs-parent/rootfs"])
        #expect(exposed.status != 0 && exposed.stderr.contains("\(box.root)/open/rootfs-parent and each above it has o+x"), "\(exposed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: box.root + "/open/rootfs-parent/rootfs"))
        #expect(box.entries().allSatisfy { !$0.hasPrefix("x") && !$0.hasPrefix(".x") }, "\(box.entries())")
        // Closed to others: accepted; opened later by hand: the start refuses, naming it.
        try box.sh("chmod 750 '\(box.root)/open'")
        try box.ok("create", ["-n", "x", "-t", "busybox", "--privileged", "--dir", box.root + "/open/rootfs-parent/rootfs"])
        try box.sh("chmod 755 '\(box.root)/open'")
        let start = try box.run("start", ["-n", "x"])
        #expect(start.status != 0 && start.stderr.contains("lets all local users through"), "\(start.stderr)")
        box.expectClean("x")
    }

    /// Values with a line break are refused by every writer, naming the key, and nothing is made.
    @Test func newlinesNeverBecomeConfigLines() throws {
        let box = try Sandbox.withBusybox("c")
        let marker = box.root + "/hooked"
        let injected = "lxc.uts.name=x\nlxc.hook.pre-start=/bin/touch \(marker)"
        let create = try box.run("create", ["-n", "n1", "-t", "busybox", "-s", injected])
        #expect(create.status != 0 && create.stderr.contains("the value for lxc.uts.name contains a newline"), "\(create.stderr)")
        #expect(!box.entries().contains("n1"))
        // A template argument lands in the header comment: escaped there, one line.
        let template = try box.template("args", "exit 0")
        try box.ok("create", ["-n", "n2", "-t", template, "--", "--x", "a\nlxc.hook.pre-start = /bin/touch \(marker)"])
        let config = box.text(box.lxcpath + "/n2/config") ?? ""
        #expect(!config.split(separator: "\n").contains { $0.hasPrefix("lxc.hook") }, "\(config)")
        // -p of berth-copy becomes every path of the copy.
        let copy = try box.run("copy", ["-n", "c", "-N", "n3", "-p", box.root + "/x\nlxc.hook.pre-start = /bin/touch \(marker)"])
        #expect(copy.status != 0 && copy.stderr.contains("control characters"), "\(copy.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// A flooding container and a console client that stopped reading: the monitor still
    /// answers at once and stops the container; the console log stays bounded without a size.
    @Test func aStoppedConsoleClientNeverStallsTheMonitor() throws {
        let box = try Sandbox.withBusybox("c")
        let log = box.root + "/console.log"
        try box.sh("echo 'lxc.console.logfile = \(log)' >> '\(box.lxcpath)/c/config'")
        try box.ok("start", ["-n", "c", "--", "/bin/sh", "-c", "while :; do echo floodfloodfloodfloodfloodfloodfloodfloodfloodfloodfloodflood; done"])
        let console = try box.start("console", ["-n", "c"])
        usleep(200_000)
        kill(console.pid, SIGSTOP)
        defer { kill(console.pid, SIGKILL); _ = try? box.finish(console) }
        sleep(2)
        let begin = Date()
        let info = try box.run("info", ["-n", "c", "-sH"])
        #expect(info.stdout == "RUNNING\n" && Date().timeIntervalSince(begin) < 1, "berth-info took \(Date().timeIntervalSince(begin)) s")
        let size = (try? FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? nil
        #expect((size ?? 0) > 0 && (size ?? .max) <= 1 << 20, "console log is \(size ?? -1) bytes")
        let stopBegin = Date()
        try box.ok("stop", ["-n", "c", "-k"])
        #expect(Date().timeIntervalSince(stopBegin) < 2)
        box.expectClean("c")
    }

    /// Bad input stays cheap and clear.
    @Test func badInputIsRefusedQuicklyAndClearly() throws {
        let box = try Sandbox.withBusybox("c")
        // An include tree 14 deep, each level including the next four times.
        let dir = box.root + "/bomb"
        try box.sh("mkdir -p '\(dir)' && for i in $(seq 0 13); do n=$((i+1)); printf 'lxc.include = \(dir)/l%s.conf\\n' $n $n $n $n > '\(dir)/l'$i'.conf'; done && echo 'lxc.tty.max = 1' > '\(dir)/l14.conf' && echo 'lxc.include = \(dir)/l0.conf' >> '\(box.lxcpath)/c/config'")
        var begin = Date()
        let bomb = try box.run("start", ["-n", "c"])
        #expect(bomb.status != 0 && bomb.stderr.contains("more than 256 config files"), "\(bomb.stderr)")
        #expect(Date().timeIntervalSince(begin) < 2, "the include bomb took \(Date().timeIntervalSince(begin)) s")
        try box.sh("sed -i '/bomb/d' '\(box.lxcpath)/c/config'")
        // A 200 KB unknown key in the config: refused at once, clipped in the message.
        let config = box.lxcpath + "/c/config"
        let kept = box.text(config) ?? ""
        try (kept + "lxc." + String(repeating: "k", count: 200_000) + " = 1\n").write(toFile: config, atomically: true, encoding: .utf8)
        begin = Date()
        let long = try box.run("start", ["-n", "c"])
        #expect(long.status != 0 && long.stderr.contains("unknown key") && long.stderr.utf8.count < 1000, "\(long.stderr.prefix(300))")
        #expect(Date().timeIntervalSince(begin) < 2, "the long key took \(Date().timeIntervalSince(begin)) s")
        try kept.write(toFile: config, atomically: true, encoding: .utf8)
        // Names: one limit, the hostname's.
        let longName = try box.run("create", ["-n", String(repeating: "n", count: 65), "-t", "busybox"])
        #expect(longName.status != 0 && longName.stderr.contains("at most 64"), "\(longName.stderr)")
        let name64 = String(repeating: "m", count: 64)
        try box.ok("create", ["-n", name64, "-t", "busybox"])
        try box.ok("start", ["-n", name64])
        #expect(try box.ok("attach", ["-n", name64, "--", "hostname"]).stdout == name64 + "\n")
        try box.ok("stop", ["-n", name64, "-k"])
        // A killed destroy's hidden tree is swept by the next command that lists the lxcpath.
        try box.sh("mkdir -p '\(box.lxcpath)/.gone.removing-999999/rootfs/etc' && touch '\(box.lxcpath)/.gone.removing-999999/rootfs/etc/x'")
        try box.ok("ls", [])
        #expect(!box.entries().contains(".gone.removing-999999"), "\(box.entries())")
        box.expectClean(name64)
    }
}
