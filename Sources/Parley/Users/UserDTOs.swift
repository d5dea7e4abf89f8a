import Vapor

/// A user as the API shows it; never the password hash.
struct UserPublic: Content {
    var id: String
    var email: String
    var isActive: Bool
    var isSuperuser: Bool
    var fullName: String?
    var monthlyTokenBudget: Int?
    /// Shown on `GET /users/me` only (it costs a query).
    var tokensUsedThisMonth: Int?

    init(_ user: UserRow, tokensUsedThisMonth: Int? = nil) {
        id = user.id.lowercasedString
        email = user.email
        isActive = user.isActive
        isSuperuser = user.isSuperuser
        fullName = user.fullName
        monthlyTokenBudget = user.monthlyTokenBudget
        self.tokensUsedThisMonth = tokensUsedThisMonth
    }

    enum CodingKeys: String, CodingKey {
        case id, email, isActive = "is_active", isSuperuser = "is_superuser", fullName = "full_name"
        case monthlyTokenBudget = "monthly_token_budget", tokensUsedThisMonth = "tokens_used_this_month"
    }

    // Written out so `full_name` is `null` rather than missing.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(email, forKey: .email)
        try container.encode(isActive, forKey: .isActive)
        try container.encode(isSuperuser, forKey: .isSuperuser)
        try container.encode(fullName, forKey: .fullName)
        try container.encode(monthlyTokenBudget, forKey: .monthlyTokenBudget)
        try container.encodeIfPresent(tokensUsedThisMonth, forKey: .tokensUsedThisMonth)
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
    /// Superuser only; `null` sent means unlimited, so its presence is tracked.
    var monthlyTokenBudget: Int?
    var monthlyTokenBudgetSent = false

    enum CodingKeys: String, CodingKey {
        case email, password, fullName = "full_name", isActive = "is_active", isSuperuser = "is_superuser"
        case monthlyTokenBudget = "monthly_token_budget"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        password = try container.decodeIfPresent(String.self, forKey: .password)
        fullNameSent = container.contains(.fullName)
        fullName = try container.decodeIfPresent(String.self, forKey: .fullName)
        isActive = try container.decodeIfPresent(Bool.self, forKey: .isActive)
        isSuperuser = try container.decodeIfPresent(Bool.self, forKey: .isSuperuser)
        monthlyTokenBudgetSent = container.contains(.monthlyTokenBudget)
        monthlyTokenBudget = try container.decodeIfPresent(Int.self, forKey: .monthlyTokenBudget)
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
