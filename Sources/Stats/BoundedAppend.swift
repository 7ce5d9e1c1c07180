extension Array {
    /// Appends `element` to a list kept to `limit` entries, oldest first: when it is full,
    /// the oldest `dropping` go first (more than one makes the cost of dropping amortized).
    mutating func append(_ element: Element, keepingAtMost limit: Int, dropping: Int = 1) {
        if count >= limit { removeFirst(Swift.min(count, Swift.max(1, dropping))) }
        append(element)
    }
}
