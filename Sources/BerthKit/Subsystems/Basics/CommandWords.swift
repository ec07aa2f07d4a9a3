/// The words of a command line written in a config (`lxc.init.cmd`, `lxc.execute.cmd`), split
/// as LXC splits them: at spaces and tabs, except inside single or double quotes, which group
/// a word and are removed (`/bin/sh -c 'echo hi; sleep 1'` is three words). There are no
/// escapes and no expansions: the text is not given to a shell.
public enum CommandWords {
    public static func split(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            switch character {
            case " ", "\t":
                if inWord { words.append(current) }
                current = ""
                inWord = false
            case "'", "\"":
                quote = character
                inWord = true
            default:
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
