# Sourced by the scripts that install Debian packages: `apt_install WHO PACKAGE…` installs
# them (as root, or through sudo), after one `apt-get update`, all output on stderr; WHO
# names the script in its messages. Without root or sudo it says what to install and fails.
# shellcheck shell=bash
apt_install() {
    local who=$1
    shift
    echo "$who: installing $*" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "$who: run as root or install sudo to install $*" >&2; exit 1; }
        sudo="sudo"
    fi
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >&2
}
