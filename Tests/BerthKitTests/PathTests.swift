import Testing
@testable import BerthKit

/// The lexical path helpers every command uses (on bytes; see Path).
@Suite struct PathTests {
    @Test func parentBaseAndTrailingSlashes() {
        #expect(Path.parent("/a/b/c") == "/a/b" && Path.parent("/a") == "/" && Path.parent("a") == "." && Path.parent("/a/b//") == "/a")
        #expect(Path.base("/a/b/c") == "c" && Path.base("/a/b/") == "b" && Path.base("c") == "c" && Path.base("/").isEmpty)
        #expect(Path.stripTrailingSlashes("///") == "/" && Path.stripTrailingSlashes("/x//") == "/x" && Path.stripTrailingSlashes("x") == "x")
        #expect(Path.join("/a", "b") == "/a/b" && Path.join("/a/", "b") == "/a/b")
        // Not ASCII: cut at the slashes, the characters kept whole.
        #expect(Path.parent("/dé/ß́/ü") == "/dé/ß́" && Path.base("/dé/ß́/") == "ß́")
    }

    @Test func absoluteFoldsDotsAndSlashes() {
        #expect(Path.absolute("/a/./b//c/../d/") == "/a/b/d")
        #expect(Path.absolute("/../..") == "/" && Path.absolute("/") == "/" && Path.absolute("/a/..") == "/")
        #expect(Path.absolute("/a/...") == "/a/..." && Path.absolute("/a/.b/..c") == "/a/.b/..c")
        let here = Path.currentDirectory()
        #expect(Path.absolute("x/y") == (here == "/" ? "/x/y" : here + "/x/y"))
    }
}
