import Vapor

struct APIKeyCreateRequest: Decodable {
    var name: String
}

/// A key as listed: never its secret.
struct APIKeyPublic: Content {
    var id: String
    var name: String
    var prefix: String
    var created_at: String
    var last_used_at: String?

    init(_ key: APIKeyRow) {
        id = key.id.lowercasedString
        name = key.name
        prefix = key.prefix
        created_at = RFC3339.string(key.createdAt)
        last_used_at = key.lastUsedAt.map(RFC3339.string)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(created_at, forKey: .created_at)
        try container.encode(last_used_at, forKey: .last_used_at)
    }
}

/// A new key, the only time its whole text is shown.
struct APIKeyCreated: Content {
    var id: String
    var name: String
    var key: String
    var prefix: String
    var created_at: String
}
