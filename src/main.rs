//! The `govwatch` binary.

use clap::Parser;

#[tokio::main]
async fn main() {
    govwatch::install_crypto_provider();
    let cli = govwatch::cli::Cli::parse();
    match govwatch::cli::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("错误: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  原因: {cause}");
            }
            std::process::exit(2);
        }
    }
}
