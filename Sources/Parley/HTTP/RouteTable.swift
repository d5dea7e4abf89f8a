import Vapor

/// The registered routes' paths by method, to tell "no such path" (404) from "not with this
/// method" (405), which Vapor's router does not distinguish.
struct RouteTable: Sendable {
    private let routes: [(method: HTTPMethod, path: [PathComponent])]

    init(_ routes: [Route]) {
        self.routes = routes.map { ($0.method, $0.path) }
    }

    func methods(forPath path: String) -> [HTTPMethod] {
        let parts = path.split(separator: "/").map(String.init)
        var methods: [HTTPMethod] = []
        for route in routes where Self.matches(route.path, parts) && !methods.contains(route.method) {
            methods.append(route.method)
        }
        return methods
    }

    private static func matches(_ pattern: [PathComponent], _ parts: [String]) -> Bool {
        var index = 0
        for component in pattern {
            switch component {
            case .catchall: return true
            case .anything, .parameter:
                guard index < parts.count else { return false }
            case let .constant(value):
                guard index < parts.count, parts[index] == value else { return false }
            }
            index += 1
        }
        return index == parts.count
    }
}
