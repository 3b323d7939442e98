//! The desk's programme lists (issue 13): 名单与轮候 with an offer made with a reason, 午托用餐 counts after an absence and the kitchen slip, 晚接 with the calls made.
