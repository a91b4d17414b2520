/// Storage failures the application answers with 503 rather than 500: the disk is full, the file is
/// read-only, another process holds the lock too long, the disk fails, or the database server cannot be
/// reached. Nothing was written.
public enum StorageProblem: String, Sendable {
    case full
    case readOnly = "read-only"
    case busy
    case ioError = "io-error"
    case unavailable

    /// The problem an error of a store stands for, if it is one of these.
    public static func of(_ error: any Error) -> StorageProblem? { (error as? any StorageFailure)?.storageProblem }
}

/// An error of a store that may be one of the storage problems (each store's own errors conform).
public protocol StorageFailure: Error {
    var storageProblem: StorageProblem? { get }
}
