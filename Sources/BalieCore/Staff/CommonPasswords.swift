/// Passwords of 12 characters or more that appear high on published lists of leaked passwords
/// (shorter ones are refused for their length), plus obvious local ones. Compared in lower case.
enum CommonPasswords {
    static func contains(_ lowercased: String) -> Bool { list.contains(lowercased) || keyboardRuns.contains(where: lowercased.hasPrefix) }

    private static let keyboardRuns = ["123456789012", "qwertyuiopas", "azertyuiopqs", "1q2w3e4r5t6y", "abcdefghijkl"]

    private static let list: Set<String> = [
        "123456789012", "1234567890123", "12345678901234", "123456789123", "1234567891011", "111111111111",
        "000000000000", "123123123123", "121212121212", "987654321098", "qwertyuiop123", "qwerty123456",
        "qwertyuiopasdf", "1qaz2wsx3edc", "1q2w3e4r5t6y", "zaq12wsxcde3", "password1234", "password12345",
        "password123456", "passwordpassword", "passw0rd1234", "p@ssw0rd1234", "p@ssword1234", "mypassword123",
        "iloveyou1234", "letmein12345", "welcome12345", "welcome123456", "welkom123456", "welkom12345!",
        "wachtwoord123", "wachtwoord1234", "wachtwoord12345", "wachtwoord!123", "geheim123456", "geheimgeheim",
        "sunshine1234", "football1234", "baseball1234", "princess1234", "dragon123456", "monkey123456",
        "superman1234", "batman123456", "trustno11234", "changeme1234", "changeme12345", "administrator",
        "administrator1", "admin1234567", "adminadmin12", "rootroot1234", "abcdefghijkl", "abcdefg12345",
        "abc123456789", "aaaaaaaaaaaa", "internet1234", "computer1234", "samsung12345", "starwars1234",
        "whatever1234", "nederland123", "nederland1234", "amsterdam123", "rotterdam123", "feyenoord123",
        "ajaxajaxajax", "balie1234567", "baliebalie12", "kiosk1234567", "bibliotheek1", "bibliotheek123",
        "gemeente1234", "gemeente12345", "december2025", "december2026", "november2026", "oktober2026",
        "januari2026!", "zomer2026!!!", "winter2026!!", "herfst2026!!", "lente2026!!!", "summer2026!!",
        "correcthorsebatterystaple", "thisismypassword", "ilovemyfamily", "passwordqwerty", "qwertyqwerty",
        "asdfghjkl123", "asdfasdfasdf", "zxcvbnm12345", "1234qwerasdf", "qwer1234asdf", "7777777777777",
    ]
}
