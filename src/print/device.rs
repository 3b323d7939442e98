//! The device configuration file: which printer, which pins, which readers.
//!
//! It lives beside the database (`DATA_DIR/device.toml`) unless `LINLI_DEVICE_CONFIG`
//! names another file. No file means the embedded default: the simulated printer.
//! A file with mistakes is refused whole, every mistake named, so a technician fixes
//! them in one go and a half-understood file never drives the hardware.

use std::path::{Path, PathBuf};

use linli_core::Text;
use linli_hardware::config::DeviceConfig;

use crate::error::{AppError, Refused};

pub const CONFIG_FILE: &str = "device.toml";
pub const ENV_CONFIG: &str = "LINLI_DEVICE_CONFIG";

pub fn config_path(data_dir: &Path) -> PathBuf {
    std::env::var_os(ENV_CONFIG)
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir.join(CONFIG_FILE))
}

pub fn load(data_dir: &Path) -> Result<DeviceConfig, AppError> {
    let path = config_path(data_dir);
    // Named on purpose, so missing is a mistake: the defaults would quietly print to
    // the simulator while the technician believes their file is in use.
    if std::env::var_os(ENV_CONFIG).is_some() && !path.exists() {
        return Err(Refused::new(
            "device_config_missing",
            Text::new(
                format!("找不到设备配置文件 {}", path.display()),
                format!("the device configuration {} does not exist", path.display()),
            ),
            vec![Text::new(
                format!("{ENV_CONFIG} 指向的文件不存在；请改正路径，或取消该设置以使用内置默认值"),
                format!("{ENV_CONFIG} names a file that is not there: correct the path, or unset it to use the built-in defaults"),
            )],
        )
        .into());
    }
    DeviceConfig::load(&path).map_err(|errors| {
        Refused::new(
            "device_config_invalid",
            Text::new(
                format!("设备配置文件 {} 有误，请修改后重试", path.display()),
                format!(
                    "The device configuration {} has mistakes; correct them and try again",
                    path.display()
                ),
            ),
            errors.into_iter().map(|e| e.message).collect(),
        )
        .into()
    })
}
