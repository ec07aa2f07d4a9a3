import Testing
@testable import BerthKit

/// How a copy renames its guest in /etc/hosts: whole names only, spacing and comments kept.
@Suite struct GuestNameFilesTests {
    @Test func renamesWholeNamesAndTheFirstLabelOfAnFQDN() {
        let hosts = """
            127.0.0.1\tlocalhost
            127.0.1.1   web   web.example.org\tweb-old web10 # web stays in a comment
            10.0.0.7 db.web.example.org webby
            # web 10.0.0.9
            ::1 localhost ip6-localhost

            """
        let renamed = GuestNameFiles.renamedHosts(hosts, from: ["web"], to: "api")
        #expect(renamed == """
            127.0.0.1\tlocalhost
            127.0.1.1   api   api.example.org\tweb-old web10 # web stays in a comment
            10.0.0.7 db.web.example.org webby
            # web 10.0.0.9
            ::1 localhost ip6-localhost

            """)
    }

    @Test func anAddressIsNeverRenamedAndNothingToChangeIsNil() {
        // The first field is the address, even when it spells an old name.
        #expect(GuestNameFiles.renamedHosts("web web\n", from: ["web"], to: "api") == "web api\n")
        #expect(GuestNameFiles.renamedHosts("127.0.0.1 localhost\n", from: ["web"], to: "api") == nil)
        #expect(GuestNameFiles.renamedHosts("", from: ["web"], to: "api") == nil)
        // Either old name (the container's, its old lxc.uts.name) goes; a file without a final
        // newline keeps having none.
        #expect(GuestNameFiles.renamedHosts("127.0.1.1 c1 box", from: ["c1", "box"], to: "c2") == "127.0.1.1 c2 c2")
        #expect(GuestNameFiles.renamedHosts("127.0.1.1 c1\r\n10.0.0.1 c1 x\r\n", from: ["c1"], to: "c2") == nil)
        // A container whose uts name was localhost keeps its loopback names in the copy.
        #expect(GuestNameFiles.renamedHosts("127.0.0.1 localhost localhost.localdomain\n::1 ip6-localhost\n", from: ["localhost", "ip6-localhost"], to: "c2") == nil)
    }
}
