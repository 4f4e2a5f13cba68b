//! ZooKeeper result codes and the error type every layer returns.
//!
//! The numeric values are ZooKeeper's (`KeeperException.Code`), so the Java
//! layer can map them one to one onto `KeeperException` subclasses.

use std::fmt;

/// ZooKeeper's result codes, with ZooKeeper's numeric values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Code {
    Ok = 0,
    SystemError = -1,
    RuntimeInconsistency = -2,
    DataInconsistency = -3,
    ConnectionLoss = -4,
    MarshallingError = -5,
    Unimplemented = -6,
    OperationTimeout = -7,
    BadArguments = -8,
    UnknownSession = -12,
    ApiError = -100,
    NoNode = -101,
    NoAuth = -102,
    BadVersion = -103,
    NoChildrenForEphemerals = -108,
    NodeExists = -110,
    NotEmpty = -111,
    SessionExpired = -112,
    InvalidCallback = -113,
    InvalidAcl = -114,
    AuthFailed = -115,
    SessionMoved = -118,
    NotReadOnly = -119,
    NoWatcher = -121,
    RequestTimeout = -122,
}

impl Code {
    /// ZooKeeper's numeric value.
    pub fn value(self) -> i32 {
        self as i32
    }

    /// ZooKeeper's name for the code, as `KeeperException.Code.name()` spells it.
    pub fn name(self) -> &'static str {
        use Code::*;
        match self {
            Ok => "OK",
            SystemError => "SYSTEMERROR",
            RuntimeInconsistency => "RUNTIMEINCONSISTENCY",
            DataInconsistency => "DATAINCONSISTENCY",
            ConnectionLoss => "CONNECTIONLOSS",
            MarshallingError => "MARSHALLINGERROR",
            Unimplemented => "UNIMPLEMENTED",
            OperationTimeout => "OPERATIONTIMEOUT",
            BadArguments => "BADARGUMENTS",
            UnknownSession => "UNKNOWNSESSION",
            ApiError => "APIERROR",
            NoNode => "NONODE",
            NoAuth => "NOAUTH",
            BadVersion => "BADVERSION",
            NoChildrenForEphemerals => "NOCHILDRENFOREPHEMERALS",
            NodeExists => "NODEEXISTS",
            NotEmpty => "NOTEMPTY",
            SessionExpired => "SESSIONEXPIRED",
            InvalidCallback => "INVALIDCALLBACK",
            InvalidAcl => "INVALIDACL",
            AuthFailed => "AUTHFAILED",
            SessionMoved => "SESSIONMOVED",
            NotReadOnly => "NOTREADONLY",
            NoWatcher => "NOWATCHER",
            RequestTimeout => "REQUESTTIMEOUT",
        }
    }
}

/// An operation's failure: a ZooKeeper code plus a sentence for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkError {
    pub code: Code,
    pub message: String,
}

impl ZkError {
    pub fn new(code: Code, message: impl Into<String>) -> ZkError {
        ZkError { code, message: message.into() }
    }

    /// The plain error ZooKeeper gives for `code` on `path`.
    pub fn at(code: Code, path: &str) -> ZkError {
        ZkError { code, message: format!("KeeperErrorCode = {} for {}", code.name(), path) }
    }

    pub fn bad_arguments(message: impl Into<String>) -> ZkError {
        ZkError::new(Code::BadArguments, message)
    }

    pub fn connection_loss(message: impl Into<String>) -> ZkError {
        ZkError::new(Code::ConnectionLoss, message)
    }
}

impl fmt::Display for ZkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code.name(), self.code.value(), self.message)
    }
}

impl std::error::Error for ZkError {}

pub type ZkResult<T> = Result<T, ZkError>;
