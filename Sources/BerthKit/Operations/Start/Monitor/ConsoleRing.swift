/// The most recent console output, up to a fixed size, so that a console opened late shows how
/// the container got where it is (`lxc.console.buffer.size`). Storage grows with use up to the
/// limit, so an idle container's monitor stays small.
struct ConsoleRing {
    let capacity: Int
    private var storage: [UInt8] = []
    /// Where the next byte goes once the storage is full.
    private var head = 0

    init(capacity: Int) { self.capacity = capacity }

    mutating func append(_ bytes: [UInt8]) {
        guard capacity > 0 else { return }
        var input = bytes[...]
        if input.count > capacity { input = input.suffix(capacity) }
        if storage.count < capacity {
            let room = capacity - storage.count
            storage += input.prefix(room)
            input = input.dropFirst(room)
        }
        for byte in input {
            storage[head] = byte
            head = (head + 1) % capacity
        }
    }

    /// The buffered bytes, oldest first.
    var contents: [UInt8] {
        guard storage.count == capacity, head > 0 else { return storage }
        return Array(storage[head...] + storage[..<head])
    }
}
