//! linli-district: the district backend (filled by the district issue).
