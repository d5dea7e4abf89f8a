import Vapor

/// A user as the API shows it; never the password hash.
struct UserPublic: Content {
    var id: String
    var email: String
    var isActive: Bool
    var isSuperuser: Bool
    var fullName: String?

    init(_ user: UserRow) {
        id = user.id.lowercasedString
        email = user.email
        isActive = user.isActive
        isSuperuser = user.isSuperuser
        fullName = user.fullName
    }

    enum CodingKeys: String, CodingKey {
        case id, email, isActive = "is_active", isSuperuser = "is_superuser", fullName = "full_name"
    }

    // Written out so `full_name` is `null` rather than missing.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(email, forKey: .email)
        try container.encode(isActive, forKey: .isActive)
        try container.encode(isSuperuser, forKey: .isSuperuser)
        try container.encode(fullName, forKey: .fullName)
    }
}

/// The fields of a new account; `is_active`/`is_superuser` are honoured only on the superuser route.
struct UserCreateRequest: Decodable {
    var email: String
    var password: String
    var fullName: String?
    var isActive: Bool?
    var isSuperuser: Bool?

    enum CodingKeys: String, CodingKey {
        case email, password, fullName = "full_name", isActive = "is_active", isSuperuser = "is_superuser"
    }
}

/// A partial update. `full_name` may be sent as `null` to clear it, so its presence is tracked.
struct UserUpdateRequest: Decodable {
    var email: String?
    var password: String?
    var fullName: String?
    var fullNameSent = false
    var isActive: Bool?
    var isSuperuser: Bool?

    enum CodingKeys: String, CodingKey {
        case email, password, fullName = "full_name", isActive = "is_active", isSuperuser = "is_superuser"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        password = try container.decodeIfPresent(String.self, forKey: .password)
        fullNameSent = container.contains(.fullName)
        fullName = try container.decodeIfPresent(String.self, forKey: .fullName)
        isActive = try container.decodeIfPresent(Bool.self, forKey: .isActive)
        isSuperuser = try container.decodeIfPresent(Bool.self, forKey: .isSuperuser)
    }
}

struct PasswordChangeRequest: Decodable {
    var currentPassword: String
    var newPassword: String

    enum CodingKeys: String, CodingKey {
        case currentPassword = "current_password", newPassword = "new_password"
    }
}

struct MessageResponse: Content {
    var message: String
}
