//! What the resident screens reload after a change: the chosen member's programmes
//! and the household's places.

use super::backend::Backend;
use super::member::MemberLoader;
use super::places::PlacesLoader;

#[derive(Clone)]
pub struct Loaders<B: Backend> {
    pub member: MemberLoader<B>,
    pub places: PlacesLoader<B>,
}
