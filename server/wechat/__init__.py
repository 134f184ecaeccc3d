"""WeChat: the gateway (wechatpy) and the loopback emulator."""
from server.wechat.emulator import dev


def init_app(app) -> None:
    """The gateway and the emulator start on first use; emulator mode adds the development controls."""
    dev.init_app(app)
