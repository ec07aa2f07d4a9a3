import Testing
@testable import BerthKit

@Suite struct ConfigParserTests {
    @Test func classifiesEveryKindOfLine() {
        let text = "# comment\n\n  lxc.uts.name =  web1  \nlxc.rootfs.path=\"/srv/a b\"\nfoo = bar\nlxc.broken\r\n\tlxc.tty.max\t=\t'4'\n"
        let lines = ConfigParser.parse(text, file: "t")
        #expect(lines.map(\.content) == [
            .comment, .blank, .entry(key: "lxc.uts.name", value: "web1"),
            .entry(key: "lxc.rootfs.path", value: "/srv/a b"), .foreign, .malformed,
            .entry(key: "lxc.tty.max", value: "4"),
        ])
        #expect(lines.map(\.number) == Array(1...7))
        #expect(lines[5].raw == "lxc.broken")
    }

    @Test func keepsEqualsSignsInValues() {
        #expect(ConfigParser.parseAssignment("lxc.environment=A=b=c")! == ("lxc.environment", "A=b=c"))
        #expect(ConfigParser.parseAssignment("nonsense") == nil)
        #expect(ConfigParser.parseAssignment("other.key=1") == nil)
    }

    @Test func emptyValueAndMismatchedQuotes() {
        #expect(ConfigParser.classify("lxc.cap.drop =") == .entry(key: "lxc.cap.drop", value: ""))
        #expect(ConfigParser.classify("lxc.uts.name = \"x'") == .entry(key: "lxc.uts.name", value: "\"x'"))
    }
}

@Suite struct ConfigDocumentTests {
    static let original = """
        # Admin's notes, keep me
        lxc.uts.name = old   # not a comment: part of the value

        lxc.net.0.type = veth
        lxc.cap.drop = sys_time
          lxc.cap.drop = sys_module
        random line kept as is

        """

    @Test func roundTripIsByteExact() {
        let doc = ConfigDocument(text: Self.original, file: "c")
        #expect(doc.render() == Self.original)
        let crlfless = ConfigDocument(text: "lxc.uts.name = a", file: "c")
        #expect(crlfless.render() == "lxc.uts.name = a\n")
    }

    @Test func setRewritesInPlaceAndKeepsEverythingElse() {
        var doc = ConfigDocument(text: Self.original, file: "c")
        doc.set("lxc.uts.name", "new")
        doc.append("lxc.cap.drop", "sys_rawio")
        doc.set("lxc.tty.max", "2")
        let lines = doc.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "# Admin's notes, keep me")
        #expect(lines[1] == "lxc.uts.name = new")
        #expect(lines[5] == "  lxc.cap.drop = sys_module")
        #expect(lines[6] == "random line kept as is")
        #expect(Array(lines.suffix(3)) == ["lxc.cap.drop = sys_rawio", "lxc.tty.max = 2", ""])
        #expect(doc.values("lxc.cap.drop") == ["sys_time", "sys_module", "sys_rawio"])
    }

    @Test func setRemovesLaterDuplicatesAndRemoveDropsAll() {
        var doc = ConfigDocument(text: "lxc.uts.name = a\nlxc.uts.name = b\n# c\n", file: "c")
        doc.set("lxc.uts.name", "z")
        #expect(doc.render() == "lxc.uts.name = z\n# c\n")
        doc.remove("lxc.uts.name")
        #expect(doc.render() == "# c\n")
    }
}

@Suite struct ModernizeTests {
    @Test func legacyKeysAreRenamedInPlace() {
        var doc = ConfigDocument(text: "# keep\nlxc.utsname = a\nlxc.network.type = veth\nlxc.network.link = br0\nlxc.pivotdir = x\n", file: "f")
        doc.modernizeKeys()
        #expect(doc.render() == "# keep\nlxc.uts.name = a\nlxc.net.0.type = veth\nlxc.net.0.link = br0\n# obsolete, ignored: lxc.pivotdir = x\n")
    }
}
