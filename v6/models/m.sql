-- key: user_id
SELECT user_id FROM t
