//! A resident opened from 查找居民 at the desk (issue 13): pickup list, dietary needs, absences reported ahead.
