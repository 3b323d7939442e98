//! The device configuration file: which printer, which pins, which readers.
//!
//! It lives beside the database (`DATA_DIR/device.toml`) unless `LINLI_DEVICE_CONFIG`
//! names another file. No file means the embedded default: the simulated printer.
//! A file with mistakes is refused whole, every mistake named, so a technician fixes
//! them in one go and a half-understood file never drives the hardware.

use std::path::{Path, PathBuf};

use linli_core::Text;
use linli_hardware::config::DeviceConfig;

use crate::store::{AppError, Refused};

pub const CONFIG_FILE: &str = "device.toml";
pub const ENV_CONFIG: &str = "LINLI_DEVICE_CONFIG";

pub fn config_path(data_dir: &Path) -> PathBuf {
    std::env::var_os(ENV_CONFIG)
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir.join(CONFIG_FILE))
}

pub fn load(data_dir: &Path) -> Result<DeviceConfig, AppError> {
    let path = config_path(data_dir);
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
