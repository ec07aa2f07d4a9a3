import Foundation
import Testing
import BerthKit

/// The Ansible collection (ansible/ansible_collections/berth/berth) driving real containers with
/// Debian's ansible-playbook: its modules create, start, snapshot, restore and destroy
/// unprivileged containers, its connection runs commands and moves a 10 MB binary file in and
/// out byte for byte, its inventory plugin lists them; a second run changes nothing, check
/// mode changes nothing, and a missing container, a bad key and a stopped container fail with
/// messages that say so. The playbooks are the collection's own (tests/playbooks).
@Suite(.enabled(if: isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/ansible-playbook"), "needs root and ansible-core"), .serialized)
struct AnsibleCollectionTests {
    let collection = repositoryRoot + "/ansible/ansible_collections/berth/berth"

    /// Runs an Ansible command with the collection, the tools under test and the sandbox's
    /// Berth settings.
    func ansible(_ box: Sandbox, _ arguments: [String]) throws -> RunResult {
        let environment = [
            "PATH=\(binDirectory):/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "ANSIBLE_COLLECTIONS_PATH=\(repositoryRoot)/ansible",
            "ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3",
            "ANSIBLE_NOCOLOR=1",
            "ANSIBLE_LOCAL_TEMP=\(box.root)/ansible-tmp",
            "ANSIBLE_HOST_KEY_CHECKING=0",
        ]
        return try box.run(executable: "/usr/bin/env", environment + arguments)
    }

    /// The PLAY RECAP's `changed=N` of every host.
    func changedCounts(_ output: String) -> [String: Int] {
        var result: [String: Int] = [:]
        guard let recap = output.components(separatedBy: "PLAY RECAP").last else { return result }
        for line in recap.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let host = words.first, let changed = words.first(where: { $0.hasPrefix("changed=") }) else { continue }
            result[String(host)] = Int(changed.dropFirst("changed=".count))
        }
        return result
    }

    @Test func playbooksDriveRealContainers() throws {
        let box = try Sandbox()
        try "berth.unprivileged = 1\n".write(toFile: box.configDirectory + "/berth.conf", atomically: true, encoding: .utf8)
        let payload = box.root + "/payload.bin"
        _ = try box.run(executable: "/bin/sh", ["-c", "head -c 10485760 /dev/urandom > '\(payload)'"])
        let playbooks = collection + "/tests/playbooks"
        let vars = ["-e", "lxcpath=\(box.lxcpath)", "-e", "payload=\(payload)", "-e", "python_from_host=true"]
        defer { _ = try? ansible(box, ["ansible-playbook", "-i", "localhost,", "-c", "local", playbooks + "/teardown.yml", "-e", "lxcpath=\(box.lxcpath)"]) }

        // First run: everything made; the fetched copies are byte for byte the pushed file.
        let first = try ansible(box, ["ansible-playbook", "-i", "localhost,", "-c", "local", playbooks + "/fleet.yml"] + vars)
        try #require(first.status == 0, "\(first.stdout.suffix(3000))\(first.stderr)")
        #expect(changedCounts(first.stdout)["localhost"] ?? 0 > 0)
        for host in ["web1", "web2", "web3"] {
            let fetched = box.root + "/fetched/\(host).bin"
            #expect(FileManager.default.contentsEqual(atPath: payload, andPath: fetched), "\(host): the 10 MB file came back byte for byte")
        }
        // Second run: nothing to do.
        let second = try ansible(box, ["ansible-playbook", "-i", "localhost,", "-c", "local", playbooks + "/fleet.yml"] + vars)
        #expect(second.status == 0, "\(second.stdout.suffix(3000))")
        let counts = changedCounts(second.stdout)
        #expect(counts.count == 4 && counts.values.allSatisfy { $0 == 0 }, "a second run changes nothing: \(counts)")

        // Check mode predicts changes and makes none.
        let configBefore = box.text(box.lxcpath + "/web2/config")
        let check = try ansible(box, ["ansible-playbook", "-i", "localhost,", "-c", "local", "--check", playbooks + "/checkmode.yml", "-e", "lxcpath=\(box.lxcpath)"])
        #expect(check.status == 0, "\(check.stdout.suffix(3000))")
        #expect(!FileManager.default.fileExists(atPath: box.lxcpath + "/web4"), "check mode created nothing")
        #expect(try box.run("info", ["-n", "web1", "-sH"]).stdout == "RUNNING\n", "check mode stopped nothing")
        #expect(box.text(box.lxcpath + "/web2/config") == configBefore, "check mode wrote no config")
        #expect(!((try? FileManager.default.contentsOfDirectory(atPath: box.lxcpath + "/web3/snaps")) ?? []).contains { box.text(box.lxcpath + "/web3/snaps/\($0)/comment")?.contains("only predicted") ?? false })

        // Clear failures (the playbook asserts the messages).
        let failures = try ansible(box, ["ansible-playbook", "-i", "localhost,", "-c", "local", playbooks + "/failures.yml", "-e", "lxcpath=\(box.lxcpath)"])
        #expect(failures.status == 0, "\(failures.stdout.suffix(3000))")
        #expect(failures.stdout.contains("unknown key lxc.bogus.key") && failures.stdout.contains("web3 is not running"), "\(failures.stdout.suffix(2000))")
        #expect(box.text(box.lxcpath + "/web2/config") == configBefore, "a bad key leaves the config as it was")

        // The inventory plugin: the containers as hosts, grouped, reachable through the connection.
        let inventory = box.root + "/fleet.berth.yml"
        try "plugin: berth.berth.berth\nlxcpath: \(box.lxcpath)\n".write(toFile: inventory, atomically: true, encoding: .utf8)
        let listed = try ansible(box, ["ansible-inventory", "-i", inventory, "--list"])
        let tree = try #require(try json(listed.stdout) as? [String: Any], "\(listed.stderr)")
        let fleet = (tree["berth_group_fleet"] as? [String: Any])?["hosts"] as? [String] ?? []
        #expect(Set(fleet) == ["web1", "web2", "web3", "web1-old", "web1-clone"], "\(fleet)")
        #expect(Set(((tree["berth_stopped"] as? [String: Any])?["hosts"] as? [String]) ?? []) == ["web1-old", "web1-clone"])
        #expect(Set(((tree["berth_autostart"] as? [String: Any])?["hosts"] as? [String]) ?? []) == ["web1", "web2", "web3", "web1-old"], "the clone's lxc.start.auto was removed")
        let hostvars = ((tree["_meta"] as? [String: Any])?["hostvars"] as? [String: Any])?["web2"] as? [String: Any]
        #expect(hostvars?["ansible_connection"] as? String == "berth.berth.berth" && hostvars?["berth_state"] as? String == "RUNNING")
        let adhoc = try ansible(box, ["ansible", "-i", inventory, "berth_running", "-m", "raw", "-a", "cat /etc/hostname"])
        #expect(adhoc.status == 0 && ["web1", "web2", "web3"].allSatisfy { adhoc.stdout.contains("\($0) | CHANGED | rc=0 >>\n\($0)") }, "\(adhoc.stdout)")

        // Teardown leaves nothing.
        let teardown = try ansible(box, ["ansible-playbook", "-i", "localhost,", "-c", "local", playbooks + "/teardown.yml", "-e", "lxcpath=\(box.lxcpath)"])
        #expect(teardown.status == 0, "\(teardown.stdout.suffix(2000))")
        #expect(box.entries().filter { !$0.hasPrefix(".") }.isEmpty, "\(box.entries())")
    }

    /// The same collection against a host reached over ssh: an sshd the test starts on a
    /// loopback port (its own host key, config and authorized key), the inventory plugin listing
    /// that host's containers through it, and the connection running commands and moving a file
    /// in and out through `ssh HOST berth-attach`.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd"), "needs openssh-server"))
    func theConnectionAndInventoryOverSSH() throws {
        let box = try Sandbox()
        try "berth.unprivileged = 1\n".write(toFile: box.configDirectory + "/berth.conf", atomically: true, encoding: .utf8)
        let key = box.root + "/id", hostKey = box.root + "/hostkey"
        for path in [key, hostKey] {
            #expect(try box.run(executable: "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path]).status == 0)
        }
        try FileManager.default.copyItem(atPath: key + ".pub", toPath: box.root + "/authorized_keys")
        // sshd's privilege separation directory, made only if missing and then removed again.
        let madeRunDirectory = !FileManager.default.fileExists(atPath: "/run/sshd")
        if madeRunDirectory { try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
        defer { if madeRunDirectory { try? FileManager.default.removeItem(atPath: "/run/sshd") } }

        // A free loopback port: sshd fails at once on a taken one, and the next is tried.
        var server: Sandbox.Started?
        var port = 0
        for _ in 0..<5 {
            port = Int.random(in: 20000..<60000)
            let config = box.root + "/sshd_config"
            try """
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(hostKey)
                PidFile \(box.root)/sshd.pid
                AuthorizedKeysFile \(box.root)/authorized_keys
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no

                """.write(toFile: config, atomically: true, encoding: .utf8)
            let started = try box.start(executable: "/usr/sbin/sshd", ["-D", "-e", "-f", config])
            var listening = false
            for _ in 0..<100 {
                if let text = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8), text.contains(String(format: ":%04X 00000000:0000 0A", port)) {
                    listening = true
                    break
                }
                if kill(started.pid, 0) != 0 { break }
                usleep(20_000)
            }
            if listening { server = started; break }
            kill(started.pid, SIGTERM)
            _ = try? box.finish(started)
        }
        let sshd = try #require(server, "sshd did not start on a loopback port")
        defer {
            kill(sshd.pid, SIGTERM)
            _ = try? box.finish(sshd)
        }

        // One container, able to run Ansible's Python modules (the host's /usr, read-only).
        try box.ok("create", ["-n", "r1", "-t", "busybox", "-s", "lxc.mount.entry=/usr usr none ro,bind 0 0", "-s", "lxc.group=remote"])
        try box.ok("start", ["-n", "r1"])
        let inventory = box.root + "/remote.berth.yml"
        let sshArgs = ["-p", "\(port)", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"]
        try """
            plugin: berth.berth.berth
            lxcpath: \(box.lxcpath)
            bin_dir: \(binDirectory)
            hosts: [root@127.0.0.1]
            ssh_args: [\(sshArgs.map { "'\($0)'" }.joined(separator: ", "))]

            """.write(toFile: inventory, atomically: true, encoding: .utf8)
        let listed = try ansible(box, ["ansible-inventory", "-i", inventory, "--list"])
        let tree = try #require(try json(listed.stdout) as? [String: Any], "\(listed.stdout)\(listed.stderr)")
        let hostvars = ((tree["_meta"] as? [String: Any])?["hostvars"] as? [String: Any]) ?? [:]
        #expect(Array(hostvars.keys) == ["r1"], "one host: the container's own name \(hostvars.keys)")
        #expect((hostvars["r1"] as? [String: Any])?["ansible_berth_host"] as? String == "root@127.0.0.1")
        let remote = ((tree["berth_host_root_127_0_0_1"] as? [String: Any])?["hosts"] as? [String]) ?? []
        #expect(remote == ["r1"], "\(tree.keys)")

        // Commands and files through ssh and berth-attach on that host.
        let payload = box.root + "/payload.bin", back = box.root + "/back.bin"
        _ = try box.run(executable: "/bin/sh", ["-c", "head -c 3000000 /dev/urandom > '\(payload)'"])
        let sshVar = "{\"ansible_berth_ssh_args\": [\(sshArgs.map { "\"\($0)\"" }.joined(separator: ", "))], \"ansible_python_interpreter\": \"/usr/bin/python3\"}"
        let bootstrap = try ansible(box, ["ansible", "-i", inventory, "all", "-e", sshVar, "-m", "raw",
                                          "-a", "{ [ -e /lib64 ] || ln -s usr/lib64 /lib64; } && { [ -e /lib/x86_64-linux-gnu ] || ln -s /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu; } && cat /etc/hostname"])
        #expect(bootstrap.status == 0 && bootstrap.stdout.contains("CHANGED | rc=0 >>\nr1"), "\(bootstrap.stdout)\(bootstrap.stderr)")
        let pushed = try ansible(box, ["ansible", "-i", inventory, "all", "-e", sshVar, "-m", "copy", "-a", "src=\(payload) dest=/root/payload.bin"])
        #expect(pushed.status == 0, "\(pushed.stdout)\(pushed.stderr)")
        let fetched = try ansible(box, ["ansible", "-i", inventory, "all", "-e", sshVar, "-m", "fetch", "-a", "src=/root/payload.bin dest=\(back) flat=yes"])
        #expect(fetched.status == 0, "\(fetched.stdout)\(fetched.stderr)")
        #expect(FileManager.default.contentsEqual(atPath: payload, andPath: back), "the file went there and back over ssh byte for byte")
        try box.ok("stop", ["-n", "r1", "-k"])
        let stopped = try ansible(box, ["ansible", "-i", inventory, "all", "-e", sshVar, "-m", "raw", "-a", "true"])
        #expect(stopped.status != 0 && stopped.stdout.contains("r1 is not running"), "\(stopped.stdout)")
    }
}
