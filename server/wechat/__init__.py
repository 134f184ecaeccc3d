"""WeChat: the gateway (wechatpy) and the loopback emulator."""


def init_app(app) -> None:
    """Nothing to start here: the gateway and the emulator start on first use."""
