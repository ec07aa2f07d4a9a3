import Testing
@testable import BerthKit

/// The byte-level helpers give what the standard library's generic algorithms give, on the
/// edges: empty pieces at either end, runs of separators, non-ASCII text, and a slice that
/// starts inside a larger string.
@Suite struct ByteSplitTests {
    static let texts = ["", "a", ",", ",,", "a,b", ",a,", "a,,b", "é,ü,,ß", "x\r\n,y", "日本,語,", "  lead,trail  ", "no separator at all"]

    @Test(arguments: texts)
    func splitBytesCutsAsTheGenericSplitDoes(text: String) {
        for omitting in [true, false] {
            let expected = text.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: omitting).map { String(Substring($0)) }
            #expect(text.splitBytes(UInt8(ascii: ","), omittingEmpty: omitting).map(String.init) == expected, "\(text) omitting \(omitting)")
            // The same text as a slice in the middle of a longer string.
            let framed = "head," + text + ",tail"
            let slice = framed.dropFirst(5).dropLast(5)
            #expect(slice.splitBytes(UInt8(ascii: ","), omittingEmpty: omitting).map(String.init) == expected, "\(text) in a slice, omitting \(omitting)")
        }
    }

    /// Words between runs of spaces and tabs, as the Character-wise split of a config value
    /// gives them for every value a config holds (ASCII separators next to ASCII or not).
    @Test(arguments: ["", " ", "\t \t", "a", "tmpfs run tmpfs rw,size=10% 0 0", "  lead and trail\t", "u 0 100000\t65536",
                      "a\t\tb  c", "é ü\tß", "日本 語", "x\r\n y"])
    func splitWordsCutsAsTheCharacterSplitDoes(text: String) {
        let expected = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        #expect(text.splitWords().map(String.init) == expected, "\(text)")
        let framed = "head " + text + " tail"
        let slice = framed.dropFirst(5).dropLast(5)
        #expect(slice.splitWords().map(String.init) == expected, "\(text) in a slice")
    }

    @Test func containsBytesFindsWhatContainsFinds() {
        let lines = ["", "-", " - cgroup", "30 1 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
                     "31 1 0:27 / /mnt/a\\040-\\040cgroup rw - ext4 /dev/vda rw", "é - cgroupé", "x - cgrou", " - cgroup2 cgroup2 rw"]
        for line in lines {
            #expect(line.containsBytes(" - cgroup") == line.contains(" - cgroup"), "\(line)")
            #expect(line.dropFirst(0).containsBytes(" - cgroup") == line.contains(" - cgroup"), "\(line)")
        }
        #expect("anything".containsBytes(""))
    }

    @Test func startsWithBytesAsTheUTF8ViewsDo() {
        let texts = ["", "l", "lxc.net.", "lxc.net.0.type", "lxc.ne", "lxc.network.0.type", "é.net.", "lxc.net.é"]
        for text in texts {
            for prefix in ["", "lxc.net.", "é", "lxc.network."] {
                let expected = text.utf8.starts(with: prefix.utf8)
                #expect(text.startsWithBytes(prefix) == expected, "\(text) \(prefix)")
                let slice = ("x" + text + "y").dropFirst().dropLast()
                #expect(slice.startsWithBytes(prefix) == expected, "\(text) \(prefix) in a slice")
            }
        }
    }

    @Test func byteOrderSortsAsTheUTF8ViewsDo() {
        let words = ["", "a", "ab", "abc", "b", "lxc.net", "lxc.net.N.link", "lxc.net.N.li", "lxc.netz", "é", "e", "z", "日本"]
        for a in words {
            for b in words {
                let order = ConfigKeyTable.byteOrder(a, b)
                if a == b {
                    #expect(order == 0, "\(a) \(b)")
                } else {
                    #expect((order < 0) == a.utf8.lexicographicallyPrecedes(b.utf8) && order != 0, "\(a) \(b): \(order)")
                }
            }
        }
    }
}
