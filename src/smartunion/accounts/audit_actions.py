"""The audit actions of the accounts app as people read them (core.audit), with the words for their data."""

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "accounts.user.create": "创建干部账号",
    "accounts.user.update": "修改账号",
    "accounts.user.register": "职工注册账号",
    "accounts.user.bind_real_name": "账号实名绑定",
    "accounts.user.change_password": "修改密码",
    "accounts.user.reset_password": "重置密码",
    "accounts.user.enable_totp": "启用动态口令",
    "accounts.user.lock": "登录失败次数过多，账号锁定",
    "accounts.user.unlock_throttle": "解锁尝试过多，暂停解锁",
    "accounts.user.unlock": "解除账号锁定",
})
register_data_labels({"login_key": "登录标识", "method": "验证方式", "consent_version": "同意的协议版本"},
                     values={"method": {"totp": "动态口令", "sms": "短信验证码"}})
